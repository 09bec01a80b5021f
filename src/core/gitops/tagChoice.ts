/**
 * Choosing a tag to deploy: suggested tags (the registry's, other environments', earlier ones) that may
 * arrive while the user is already typing, plus whatever valid tag the user types. Pure state, so the
 * rule "Enter takes what the user typed" is tested without an editor; the quick pick only shows `items`
 * and reports what happens to it.
 *
 * The race it settles: a quick pick filters on the UI side and re-activates its first item whenever its
 * items change, while the items for a typed value are computed here after the value arrives. An Enter
 * that comes before the UI shows those items carries a stale selection (none, or a suggestion that just
 * happened to be first). So a suggestion counts as chosen only when the UI has shown the current items
 * (it reported their first item as active) and the user then moved to another one; otherwise Enter takes
 * the typed value.
 */
import { isValidTag } from '../images/reference';

export interface TagSuggestion {
  readonly tag: string;
  readonly description?: string;
  readonly detail?: string;
}

export interface TagItem {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  /** the tag this item deploys; undefined for the "not a valid tag" row */
  readonly tag?: string;
  readonly alwaysShow?: boolean;
}

export const INVALID_TAG_TEXT = 'not a valid tag: letters, digits, _ . - (max 128), not starting with . or -';

export class TagChoice {
  private value = '';
  private suggestions: TagSuggestion[] = [];
  private shown: TagItem[] = [];
  /** the first item: the typed value (or the suggestion equal to it); undefined when nothing is typed */
  private head: TagItem | undefined;
  /** the UI has shown the current items (it reported their first item active) */
  private synced = true;

  /** `current` (the environment's tag now) is never suggested. */
  constructor(private readonly current?: string) {}

  get items(): readonly TagItem[] {
    return this.shown;
  }

  /** The user typed: returns the new items. */
  setValue(value: string): readonly TagItem[] {
    this.value = value;
    return this.rebuild();
  }

  /** More suggestions arrived (later ones never replace an earlier one for the same tag): returns the new items. */
  addSuggestions(more: readonly TagSuggestion[]): readonly TagItem[] {
    const seen = new Set(this.suggestions.map((s) => s.tag));
    for (const s of more) {
      if (s.tag === this.current || seen.has(s.tag)) continue;
      seen.add(s.tag);
      this.suggestions.push(s);
    }
    return this.rebuild();
  }

  /** The UI's active item changed (the user moved, or the UI re-activated the first item of new items). */
  activeChanged(item: TagItem | undefined): void {
    if (item !== undefined && item === this.shown[0]) this.synced = true;
  }

  /** Enter: the tag to deploy, or undefined to keep the pick open (nothing valid typed or chosen). */
  accept(value: string, selected: TagItem | undefined): string | undefined {
    if (value !== this.value) this.setValue(value);
    const typed = value.trim();
    if (!typed) return selected?.tag;
    if (selected?.tag !== undefined && this.synced && selected !== this.head && this.shown.includes(selected)) return selected.tag;
    return isValidTag(typed) ? typed : undefined;
  }

  private rebuild(): readonly TagItem[] {
    const typed = this.value.trim();
    const base = this.suggestions.map((s): TagItem => ({ label: s.tag, description: s.description, detail: s.detail, tag: s.tag }));
    let head: TagItem | undefined;
    let rest = base;
    if (typed) {
      const same = base.find((b) => b.tag === typed);
      if (same) {
        head = { ...same, alwaysShow: true };
        rest = base.filter((b) => b !== same);
      } else {
        head = isValidTag(typed) ? { label: typed, description: 'use this tag', tag: typed, alwaysShow: true } : { label: typed, description: INVALID_TAG_TEXT, alwaysShow: true };
      }
    }
    this.head = head;
    this.shown = head ? [head, ...rest] : rest;
    // nothing typed: the first suggestion may be taken as it is; typed: wait for the UI to show the new head
    this.synced = head === undefined;
    return this.shown;
  }
}
