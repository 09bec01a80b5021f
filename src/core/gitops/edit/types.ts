/** What an image edit asks for and what it gives back. */
import type { DeclaredImage } from '../readImage';

/** a path in the JS value of a document (for a stream: the document index first) */
export type JsPath = readonly (string | number)[];

export interface ImageChange {
  readonly tag?: string;
  /** a digest to set; null removes the digest (Helm: set to ""; Kustomize: the line is removed) */
  readonly digest?: string | null;
  /** the repository (registry host included); Helm `repository` (+ `registry`), Kustomize `newName` */
  readonly repository?: string;
}

export interface EditResult {
  /** the new file content (the input when nothing changed) */
  readonly text: string;
  readonly changed: boolean;
  readonly before: DeclaredImage;
  readonly after: DeclaredImage;
  /** 1-based lines of the new text that were edited or inserted */
  readonly lines: number[];
  /** 1-based lines of the old text that were removed (a Kustomize digest dropped) */
  readonly removedLines: number[];
  /**
   * Other key paths whose value changes too, because an anchored node on the edited path is used
   * elsewhere through an alias (e.g. `loki-distributed.loki.image (*image)`). Show them to the user.
   */
  readonly alsoChanges: string[];
  /** things the user should know (a digest that pins the old image, an alias that follows the change) */
  readonly warnings: string[];
}

export interface EditFileOptions {
  /** the text the user saw (e.g. in a confirmed diff): refuse when the file no longer has it */
  readonly expectText?: string;
  /** compute the edit, write nothing */
  readonly dryRun?: boolean;
}
