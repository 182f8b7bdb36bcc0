import { buildSchema, parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { canonicalJson, roleDocumentVariablesKey, sharedPayloadOf, SharedSubscriptions } from '../../../../src/graphql/ws/shared-subscriptions';

type Context = { role: string };

function setup() {
  const pubsub = createPubSub<{ changed: [id: string, value: number] }>();
  const schema = buildSchema('type Query { x: Int } type Event { value: Int secret: Int } type Subscription { changed(id: ID!): Event }');
  let resolved = 0;
  let subscribed = 0;
  const subscription = schema.getSubscriptionType()!.getFields()['changed']!;
  subscription.subscribe = (_root, args: { id: string }) => {
    subscribed += 1;
    if (args.id === 'missing') throw new Error('no such id');
    return pubsub.subscribe('changed', args.id);
  };
  subscription.resolve = (value: number) => {
    resolved += 1;
    return { value };
  };
  const event = schema.getType('Event') as import('graphql').GraphQLObjectType;
  event.getFields()['secret']!.resolve = (_source, _args, context: Context) => {
    if (context.role !== 'admin') throw new Error('admins only');
    return 42;
  };
  const shared = new SharedSubscriptions({
    keyOf: roleDocumentVariablesKey((context) => (context as Context).role),
    finish: (result) => ({ ...result, errors: result.errors?.map((error) => ({ message: error.message })) }),
  });
  const args = (role: string, id = 'a', query = 'subscription ($id: ID!) { changed(id: $id) { value secret } }'): ExecutionArgs => ({
    schema,
    document: parse(query),
    variableValues: { id },
    contextValue: { role },
  });
  return { pubsub, shared, args, counts: () => ({ resolved, subscribed }) };
}

const iterator = (value: unknown) => value as AsyncIterableIterator<ExecutionResult>;

describe('SharedSubscriptions', () => {
  it('executes an event once for every subscriber of one selection and role, and hands them the same result', async () => {
    const { pubsub, shared, args, counts } = setup();
    const members = await Promise.all(Array.from({ length: 4 }, () => shared.subscribe(args('client'))).map(async (joined) => iterator(await joined)));
    expect(shared.size).toBe(1);
    expect(counts().subscribed).toBe(1);
    const nexts = members.map((member) => member.next());
    pubsub.publish('changed', 'a', 7);
    const results = (await Promise.all(nexts)).map((step) => step.value as ExecutionResult);
    expect(counts().resolved).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).toMatchObject({ data: { changed: { value: 7, secret: null } } });
    // Serialized once, finished: the JSON transports that serialize for themselves are handed.
    expect(JSON.parse(sharedPayloadOf(results[0]!)!.json)).toEqual({ data: { changed: { value: 7, secret: null } }, errors: [{ message: 'admins only' }] });
  });

  it('keeps roles apart: an admin with the same document has its own execution and sees the admin field', async () => {
    const { pubsub, shared, args, counts } = setup();
    const client = iterator(await shared.subscribe(args('client')));
    const admin = iterator(await shared.subscribe(args('admin')));
    expect(shared.size).toBe(2);
    const [clientNext, adminNext] = [client.next(), admin.next()];
    pubsub.publish('changed', 'a', 1);
    expect((await clientNext).value).toMatchObject({ data: { changed: { value: 1, secret: null } }, errors: [expect.anything()] });
    expect((await adminNext).value).toEqual({ data: { changed: { value: 1, secret: 42 } } });
    expect(counts().resolved).toBe(2);
  });

  it('groups by document and variables (in any key order); different ones run apart', async () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
    const { shared, args } = setup();
    await shared.subscribe(args('client', 'a'));
    await shared.subscribe(args('client', 'a', 'subscription ($id: ID!) {  changed(id: $id) { value secret } }'));
    expect(shared.size).toBe(1);
    await shared.subscribe(args('client', 'b'));
    await shared.subscribe(args('client', 'a', 'subscription ($id: ID!) { changed(id: $id) { value } }'));
    expect(shared.size).toBe(3);
  });

  it('one leaving does not end the others; the last one out ends the upstream subscription, and a new subscriber starts again', async () => {
    const { pubsub, shared, args, counts } = setup();
    const first = iterator(await shared.subscribe(args('client')));
    const second = iterator(await shared.subscribe(args('client')));
    await first.return!();
    expect(await first.next()).toEqual({ done: true, value: undefined });
    const next = second.next();
    pubsub.publish('changed', 'a', 2);
    expect((await next).value).toMatchObject({ data: { changed: { value: 2 } } });
    await second.return!();
    expect(shared.size).toBe(0);
    const third = iterator(await shared.subscribe(args('client')));
    expect(counts().subscribed).toBe(2);
    const again = third.next();
    pubsub.publish('changed', 'a', 3);
    expect((await again).value).toMatchObject({ data: { changed: { value: 3 } } });
  });

  it('a refused subscription is each joiner’s result, and not kept as a group', async () => {
    const { shared, args } = setup();
    const results = await Promise.all([shared.subscribe(args('client', 'missing')), shared.subscribe(args('client', 'missing'))]);
    for (const result of results) expect(result).toMatchObject({ errors: [{ message: 'no such id' }] });
    expect(shared.size).toBe(0);
  });

  it('points a joiner’s kept arguments at the group’s document and context, so its own copies can go; another role keeps its own', async () => {
    const { pubsub, shared, args } = setup();
    const first = args('client');
    const second = args('client');
    const admin = args('admin');
    const ownDocument = second.document;
    const members = [first, second, admin].map(async (joined) => iterator(await shared.subscribe(joined)));
    await Promise.all(members);
    expect(second.document).toBe(first.document);
    expect(second.document).not.toBe(ownDocument);
    expect(second.contextValue).toBe(first.contextValue);
    expect(second.variableValues).toBe(first.variableValues);
    expect(admin.document).not.toBe(first.document);
    expect(admin.contextValue).toEqual({ role: 'admin' });
    // And the joiner still receives the group's events.
    const next = (await members[1]!).next();
    pubsub.publish('changed', 'a', 3);
    expect((await next).value).toMatchObject({ data: { changed: { value: 3 } } });
  });
});
