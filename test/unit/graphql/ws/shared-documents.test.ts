import { parse } from 'graphql';
import { SharedDocuments } from '../../../../src/graphql/ws/shared-documents';

const TEXT = 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { status } }';

describe('SharedDocuments', () => {
  it('hands back the first document parsed from the same text, and keeps documents of other texts apart', () => {
    const documents = new SharedDocuments();
    const first = parse(TEXT);
    expect(documents.share(first)).toBe(first);
    expect(documents.share(parse(TEXT))).toBe(first);
    // Other whitespace is another text: its locations differ, so it is not given the first's tree.
    const spaced = parse(`  ${TEXT}`);
    expect(documents.share(spaced)).toBe(spaced);
    expect(documents.size).toBe(2);
  });

  it('keeps at most `max` texts, forgetting the oldest', () => {
    const documents = new SharedDocuments(2);
    const a = parse('subscription { a }');
    const b = parse('subscription { b }');
    documents.share(a);
    documents.share(b);
    const c = parse('subscription { c }');
    documents.share(c);
    expect(documents.size).toBe(2);
    const a2 = parse('subscription { a }');
    expect(documents.share(a2)).toBe(a2);
    expect(documents.share(parse('subscription { c }'))).toBe(c);
  });

  it('leaves a document without locations alone', () => {
    const documents = new SharedDocuments();
    const bare = parse(TEXT, { noLocation: true });
    expect(documents.share(bare)).toBe(bare);
    expect(documents.size).toBe(0);
  });
});
