import type { BlockTable } from './blocks.js';
import { MessageDigests, messageValues } from './contents-row.js';
import type { DecodedBlocks } from './decoded-blocks.js';
import { isHeapNid } from './heap.js';
import type { LtpNode } from './ltp-node.js';
import { NodeHeap } from './node-heap.js';
import { checkPropertyContext, inlineValue, type PcRecord } from './property-context.js';
import { hex, type Reporter } from './report.js';
import { SubnodeMap } from './subnode-map.js';
import { checkTableContext } from './table-context.js';
import type { TreeWalker } from './trees.js';

/** Names of the NID types ([MS-PST] §2.2.2.1) used in findings. */
const NID_KINDS: Record<number, string> = {
  0x01: 'internal node',
  0x02: 'folder',
  0x03: 'search folder',
  0x04: 'message',
  0x05: 'attachment',
  0x06: 'search update queue',
  0x07: 'search criteria object',
  0x08: 'associated message',
  0x0a: 'contents table index',
  0x0b: 'receive folder table',
  0x0c: 'outgoing queue table',
  0x0d: 'hierarchy table',
  0x0e: 'contents table',
  0x0f: 'FAI contents table',
  0x10: 'search contents table',
  0x11: 'attachment table',
  0x12: 'recipient table',
  0x13: 'search table index',
  0x1f: 'LTP subnode',
};

/** `message 0x200024`: the node's kind (by NID type) and NID. */
export function nodeName(nid: number): string {
  if (nid === 0x21) return `message store ${hex(nid)}`;
  if (nid === 0x61) return `name-to-id map ${hex(nid)}`;
  return `${NID_KINDS[nid & 0x1f] ?? `node of NID type ${hex(nid & 0x1f)}`} ${hex(nid)}`;
}

const Prop = {
  MessageSize: 0x0e08,
  AttachSize: 0x0e20,
  ContentCount: 0x3602,
  ContentUnreadCount: 0x3603,
  Subfolders: 0x360a,
} as const;
const PTYP_OBJECT = 0x000d;
const NID_TYPE_FOLDER = 0x02;
const NID_TYPE_MESSAGE = 0x04;
const NID_TYPE_ASSOC_MESSAGE = 0x08;
const NID_TYPE_ATTACHMENT = 0x05;
/**
 * Objects nest at most this deep below a node (a message, its attachments, their embedded messages...: our writer
 * stops at 32 embeddings, 2 levels each); deeper means a subnode tree that contains itself.
 */
export const MAX_OBJECT_DEPTH = 100;

/** The counts a folder PC states ([MS-PST] §2.4.4.1.1). */
export interface FolderCounts {
  readonly contentCount: number | undefined;
  readonly unreadCount: number | undefined;
  readonly subfolders: number | undefined;
}

/**
 * Checks the LTP content of nodes ([MS-PST] §2.3): the PC or TC of a node (by its heap's bClientSig) and, below it,
 * of every subnode that is an attachment or a table and of every embedded message a PtypObject names; under `strict`
 * message and attachment PCs must state their object's size (PidTagMessageSize, PidTagAttachSize). Collects what the folder
 * cross-checks need: a digest of each top-level message's contents-table properties, and each folder's counts.
 * Nodes are checked one at a time; nothing of a PC is kept after its node.
 */
export class ContentChecker {
  readonly digests = new MessageDigests();
  readonly folders = new Map<number, FolderCounts>();
  pcs = 0;
  tcs = 0;

  constructor(
    private readonly blocks: BlockTable,
    private readonly trees: TreeWalker,
    private readonly decoded: DecodedBlocks,
    private readonly rep: Reporter,
    /** Our writer's contract: exact PidTagMessageSize and PidTagAttachSize (see {@link checkObjectFacts}), rows that copy every checked value. */
    readonly strict: boolean,
  ) {}

  /** Checks the top-level node `nid`. */
  async checkNode(nid: number, bidData: number, bidSub: number): Promise<void> {
    await this.checkObject(nid, nodeName(nid), bidData, bidSub, false, true, 0);
  }

  /** Opens the LTP view of a node or subnode; undefined when its data is not a heap (reported by `checkHeap`). */
  async open(
    label: string,
    bidData: number,
    bidSub: number,
    onProblem?: (code: string, message: string) => void,
  ): Promise<LtpNode | undefined> {
    const heap = await NodeHeap.open(bidData, this.blocks, this.trees, this.decoded);
    if (!heap) return undefined;
    const subnodes = await SubnodeMap.load(bidSub, this.blocks, this.trees, this.decoded);
    const problem = onProblem ?? ((code: string, message: string) => this.rep.error(code, label, undefined, message));
    return { label, heap, subnodes, problem };
  }

  private async checkObject(
    nid: number,
    label: string,
    bidData: number,
    bidSub: number,
    embedded: boolean,
    top: boolean,
    depth: number,
  ): Promise<void> {
    if (depth > MAX_OBJECT_DEPTH) {
      this.rep.error(
        'subnode.depth',
        label,
        undefined,
        `objects nest more than ${MAX_OBJECT_DEPTH} levels deep: a subnode tree contains itself`,
      );
      return;
    }
    const node = await this.open(label, bidData, bidSub);
    if (!node) return;
    const done = new Set<number>();
    if (node.heap.clientSig === 0xbc) {
      this.pcs++;
      const records = await checkPropertyContext(node);
      await this.checkObjectFacts(node, nid, records, bidData, embedded, top);
      for (const r of records) {
        if (r.type !== PTYP_OBJECT || r.hnid === 0 || (r.hnid & 0x1f) !== 0) continue;
        const a = await node.heap.alloc(r.hnid);
        const sub = a.bytes?.length === 8 ? a.bytes.readUInt32LE(0) : 0;
        const e = sub ? node.subnodes.get(sub) : undefined;
        if (!e || done.has(sub)) continue;
        done.add(sub);
        await this.checkObject(
          sub,
          `embedded message ${hex(sub)} of ${label}`,
          e.bidData,
          e.bidSub,
          true,
          false,
          depth + 1,
        );
      }
    } else if (node.heap.clientSig === 0x7c) {
      this.tcs++;
      await checkTableContext(node);
    }
    for (const [sub, e] of node.subnodes.list()) {
      if (done.has(sub) || !isHeapNid(sub) || e.bidData === 0) continue;
      await this.checkObject(sub, `${nodeName(sub)} of ${label}`, e.bidData, e.bidSub, false, false, depth + 1);
    }
  }

  /**
   * Sizes of messages and attachments, digests of top-level messages, counts of folders.
   *
   * PidTagMessageSize (PidTagAttachSize) must equal the bytes of the object's data blocks: its PC heap and the data of
   * every subnode below it, as our writer computes them (`messaging/message.ts`). Only under `strict`: Outlook and
   * other writers compute a MAPI size of their own (in the 23 reference samples 373 of 398 objects differ from the
   * block bytes, larger and smaller), so it is no invariant of PST files in general.
   */
  private async checkObjectFacts(
    node: LtpNode,
    nid: number,
    records: readonly PcRecord[],
    bidData: number,
    embedded: boolean,
    top: boolean,
  ): Promise<void> {
    const type = nid & 0x1f;
    const isMessage = embedded || (top && (type === NID_TYPE_MESSAGE || type === NID_TYPE_ASSOC_MESSAGE));
    if (this.strict && (isMessage || (!top && type === NID_TYPE_ATTACHMENT))) {
      const id = isMessage ? Prop.MessageSize : Prop.AttachSize;
      const stated = inlineValue(records, id);
      if (stated !== undefined) {
        const bytes = await node.subnodes.objectBytes(bidData);
        if (stated >>> 0 !== bytes) {
          const name = isMessage ? 'PidTagMessageSize' : 'PidTagAttachSize';
          node.problem(
            isMessage ? 'message.size' : 'attachment.size',
            `${name} (property 0x${id.toString(16)}) is ${stated >>> 0}, but the object's data blocks (its PC heap and every subnode below it) hold ${bytes} bytes`,
          );
        }
      }
    }
    if (top && type === NID_TYPE_MESSAGE) this.digests.add(nid, await messageValues(node, records));
    if (top && type === NID_TYPE_FOLDER) {
      this.folders.set(nid, {
        contentCount: inlineValue(records, Prop.ContentCount),
        unreadCount: inlineValue(records, Prop.ContentUnreadCount),
        subfolders: inlineValue(records, Prop.Subfolders),
      });
    }
  }
}
