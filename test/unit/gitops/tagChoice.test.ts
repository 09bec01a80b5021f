/**
 * What Enter takes in Set Image Tag's quick pick, whatever order the typed value, the suggestions and the
 * UI's reports arrive in. A quick pick filters on the UI side and re-activates the first item when its
 * items change; the extension host learns of the typed value after the UI has it, so an Enter can carry
 * a stale selection (none, or whichever suggestion was first).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { INVALID_TAG_TEXT, TagChoice } from '../../../src/core/gitops/tagChoice';

const registry = [
  { tag: '1.0.5', description: 'pushed 2 hours ago' },
  { tag: '1.0.4', description: 'pushed yesterday' },
];

describe('TagChoice', () => {
  test('Enter before any item is shown (the e2e race): the typed tag is taken', () => {
    const c = new TagChoice('1.0.0');
    // the UI had no items, so the accept carries no selection; the value change was not processed yet
    assert.equal(c.accept('9.9.9-never-pushed', undefined), '9.9.9-never-pushed');
  });

  test('suggestions arriving after the typed value: the typed value stays first and Enter takes it', () => {
    const c = new TagChoice('1.0.0');
    c.setValue('9.9.9-never-pushed');
    const items = c.addSuggestions(registry);
    assert.deepEqual(
      items.map((i) => [i.label, i.description]),
      [
        ['9.9.9-never-pushed', 'use this tag'],
        ['1.0.5', 'pushed 2 hours ago'],
        ['1.0.4', 'pushed yesterday'],
      ],
    );
    // the UI re-activated "the first item" of the old list: by position that is now a suggestion
    c.activeChanged(items[1]);
    assert.equal(c.accept('9.9.9-never-pushed', items[1]), '9.9.9-never-pushed');
  });

  test('a stale selection of a matching suggestion does not replace what was typed', () => {
    const c = new TagChoice();
    c.addSuggestions(registry);
    // the user types "1.0" and Enter; the UI, still on the old items, had "1.0.5" first under the filter
    const stale = c.items[0];
    assert.equal(stale?.tag, '1.0.5');
    c.setValue('1.0');
    assert.equal(c.accept('1.0', stale), '1.0');
  });

  test('a suggestion the user moved to after the current items were shown is taken', () => {
    const c = new TagChoice();
    c.addSuggestions(registry);
    const items = c.setValue('1.0');
    assert.equal(items[0]?.description, 'use this tag');
    c.activeChanged(items[0]); // the UI showed the new items (it re-activates their first)
    c.activeChanged(items[2]); // the user pressed ↓ twice
    assert.equal(c.accept('1.0', items[2]), '1.0.4');
  });

  test('new suggestions after the UI synced reset it: Enter takes the typed value until the UI shows them', () => {
    const c = new TagChoice();
    const first = c.setValue('1.0');
    c.activeChanged(first[0]);
    const items = c.addSuggestions(registry);
    assert.equal(c.accept('1.0', items[1]), '1.0');
    c.activeChanged(items[0]);
    assert.equal(c.accept('1.0', items[1]), '1.0.5');
  });

  test('nothing typed: Enter takes the chosen suggestion, or keeps the pick open', () => {
    const c = new TagChoice();
    assert.equal(c.accept('', undefined), undefined);
    const items = c.addSuggestions(registry);
    assert.equal(c.accept('', items[1]), '1.0.4');
    assert.equal(c.accept('   ', items[0]), '1.0.5');
  });

  test('typing a suggested tag exactly puts that suggestion first (with its description), not a duplicate', () => {
    const c = new TagChoice();
    c.addSuggestions(registry);
    const items = c.setValue('1.0.4');
    assert.deepEqual(items.map((i) => i.label), ['1.0.4', '1.0.5']);
    assert.equal(items[0]?.description, 'pushed yesterday');
    assert.equal(c.accept('1.0.4', items[1]), '1.0.4');
  });

  test('an invalid typed tag is shown as such and never taken; the pick stays open', () => {
    const c = new TagChoice();
    const items = c.setValue('--upload-pack=x');
    assert.equal(items[0]?.description, INVALID_TAG_TEXT);
    assert.equal(items[0]?.tag, undefined);
    assert.equal(c.accept('--upload-pack=x', items[0]), undefined);
    assert.equal(c.accept('-x', undefined), undefined);
  });

  test('the current tag and repeated tags are not suggested; the typed value is trimmed', () => {
    const c = new TagChoice('1.0.5');
    const items = c.addSuggestions([...registry, { tag: '1.0.4', description: 'in staging' }, { tag: '2.0.0', description: 'in prod' }]);
    assert.deepEqual(items.map((i) => [i.label, i.description]), [['1.0.4', 'pushed yesterday'], ['2.0.0', 'in prod']]);
    assert.equal(c.accept('  3.1.4 ', undefined), '3.1.4');
  });
});
