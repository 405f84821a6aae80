/**
 * Where an export's output goes: a stream read by the caller (`OutputStream`) or a file (`FileTarget`). The export
 * starts the target, then hands it the packaged output once the format is known; a target that fails, or whose
 * consumer goes away, fails the export through `RunControl.fail`, before it winds down.
 */
import type { PackagedOutput } from './packager.js';

/** The export run as its target sees it. */
export interface RunControl {
  /** Aborts when the export fails; its reason is the failure. */
  readonly signal: AbortSignal;
  /** Fails the export (the first failure is the export's error; ignored once the output is complete). */
  readonly fail: (error: Error) => void;
}

export interface OutputTarget {
  /** Called once, when the export starts. */
  start(run: RunControl): void;
  /** Takes the output; resolves once all of it is delivered (a file: in place). */
  deliver(output: PackagedOutput): Promise<void>;
  /** After a failure: removes what the target wrote. */
  discard(): Promise<void>;
}
