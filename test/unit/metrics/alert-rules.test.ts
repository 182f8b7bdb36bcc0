/**
 * The committed alert rules name only metrics the gateway exposes (renaming one without the rules
 * fails here), and carry the alerts the README documents.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema } from 'graphql';
import { createGatewayMetrics } from '../../../src/metrics/gateway-metrics';
import { OperationsSnapshot } from '../../../src/payments/operations-snapshot';

const RULES_FILE = join(__dirname, '../../../ops/prometheus/alerts.yml');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
}

/** The file keeps one `key: value` per line, so a line-based read is enough (no YAML package). */
function readRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const line of text.split('\n')) {
    const alert = /^\s*- alert:\s*(\S+)\s*$/.exec(line);
    if (alert) {
      rules.push({ alert: alert[1]!, expr: '' });
      continue;
    }
    const field = /^\s+(expr|for):\s*(.+?)\s*$/.exec(line);
    if (field && rules.length > 0) rules[rules.length - 1]![field[1] as 'expr' | 'for'] = field[2]!;
  }
  return rules;
}

/** Names in an expression that are metrics rather than functions, labels, or durations. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\[[^\]]*\]/g, '[]');
  const functions = new Set(['sum', 'max', 'min', 'rate', 'increase', 'time', 'min_over_time', 'max_over_time', 'by', 'without', 'and', 'or', 'unless', 'histogram_quantile', 'deriv']);
  return [...withoutStrings.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((match) => match[0]).filter((name) => !functions.has(name));
}

function exposedNames(): Set<string> {
  const snapshot = new OperationsSnapshot({ countByStatus: async () => [], countDueForLookup: async () => 0 }, { countInState: async () => 0 });
  const metrics = createGatewayMetrics(snapshot);
  metrics.graphql(buildSchema('type Query { ok: Boolean }'));
  const names = new Set<string>();
  for (const metric of (metrics.registry as unknown as { getMetricsAsArray(): { name: string; type: string }[] }).getMetricsAsArray()) {
    names.add(metric.name);
    if (metric.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

describe('ops/prometheus/alerts.yml', () => {
  const rules = readRules(readFileSync(RULES_FILE, 'utf8'));

  it('names only metrics the gateway exposes', () => {
    const exposed = exposedNames();
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.expr).not.toBe('');
      const names = metricNames(rule.expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect({ alert: rule.alert, metric: name, exposed: exposed.has(name) }).toEqual({ alert: rule.alert, metric: name, exposed: true });
    }
  });

  it('has the alerts the README documents', () => {
    const byName = new Map(rules.map((rule) => [rule.alert, rule]));
    expect(byName.get('KhaltiGraphqlRefundUnknown')).toEqual({ alert: 'KhaltiGraphqlRefundUnknown', expr: 'max(gateway_refunds_unknown) > 0', for: '15m' });
    expect(byName.get('KhaltiGraphqlKhaltiErrorRate')?.expr).toContain('khalti_requests_total');
    expect(byName.get('KhaltiGraphqlReconcilerStalled')?.expr).toContain('gateway_reconciler_last_pass_timestamp_seconds');
    expect(byName.get('KhaltiGraphqlAmountMismatch')?.expr).toContain('gateway_amount_mismatches_total');
  });
});
