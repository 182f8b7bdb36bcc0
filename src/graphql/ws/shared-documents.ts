/**
 * One parsed document per distinct subscription text. graphql-ws keeps, for as long as a
 * subscription runs, the execution arguments our onSubscribe returned and the operation node it
 * found in their document; a parsed document keeps every token and location of its text. With
 * 1,000 subscribers of one pidx sending the same text, that was 1,000 copies of one syntax tree
 * (about 9 KiB each). Each subscribe is still parsed and validated on its own (the limits and
 * errors are the subscriber's); only the tree that is kept is shared.
 *
 * Keyed by the exact text that was parsed (the document's source body), so that locations in
 * errors still point into what the subscriber sent. Bounded: a stream of distinct texts evicts the
 * oldest, it never grows past `max`.
 */
import type { DocumentNode } from 'graphql';

export const SHARED_DOCUMENTS_KEPT = 1000;

export class SharedDocuments {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(private readonly max = SHARED_DOCUMENTS_KEPT) {}

  /** The document already kept for the same text, else this one (kept from now on). */
  share(document: DocumentNode): DocumentNode {
    const text = document.loc?.source.body;
    if (text === undefined) return document;
    const known = this.documents.get(text);
    if (known) return known;
    if (this.documents.size >= this.max) this.documents.delete(this.documents.keys().next().value!);
    this.documents.set(text, document);
    return document;
  }

  get size(): number {
    return this.documents.size;
  }
}
