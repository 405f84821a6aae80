/**
 * The subnodes a node collects while its PC or TC is built: values too large for the heap ([MS-PST] §2.3.3.3),
 * row matrices, and (for messages) recipient and attachment objects.
 */
import { makeNid, NidType } from '../ndb/constants.js';
import { writeDataTree } from '../ndb/data-tree.js';
import type { NdbWriter } from '../ndb/ndb-writer.js';
import { type SubnodeEntry, writeSubnodeTree } from '../ndb/subnode-tree.js';

export class Subnodes {
  readonly entries: SubnodeEntry[] = [];
  private nextIndex = 1;

  constructor(readonly ndb: NdbWriter) {}

  /** A fresh NID_TYPE_LTP subnode NID, local to this node. */
  nextLtpNid(): number {
    return makeNid(NidType.LTP, this.nextIndex++);
  }

  add(entry: SubnodeEntry): void {
    this.entries.push(entry);
  }

  /** Stores a value as a data tree in a new LTP subnode and returns its NID. */
  storeValue(bytes: Uint8Array): number {
    const nid = this.nextLtpNid();
    this.add({ nid, bidData: writeDataTree(this.ndb, bytes).bid, bidSub: 0 });
    return nid;
  }

  /** Writes the subnode tree; 0 when there are no subnodes. */
  finish(): number {
    return writeSubnodeTree(this.ndb, this.entries);
  }

  clone(): Subnodes {
    const copy = new Subnodes(this.ndb);
    copy.entries.push(...this.entries);
    copy.nextIndex = this.nextIndex;
    return copy;
  }
}
