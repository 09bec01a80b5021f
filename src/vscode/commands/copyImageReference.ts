import * as vscode from 'vscode';
import { inputError } from '../../core/errors';
import { TagNode } from '../views/images/nodes';
import type { CommandDef } from './types';

/** Copy Image Reference on a tag of the Images view: `repository:tag@sha256:…`. */
export const copyImageReference: CommandDef = {
  id: 'gitopsPilot.copyImageReference',
  async run(_s, node) {
    if (!(node instanceof TagNode)) throw inputError('images.noTag', 'Copy Image Reference needs a tag from the Images view');
    const ref = `${node.reference}@${node.entry.image.digest}`;
    await vscode.env.clipboard.writeText(ref);
    void vscode.window.setStatusBarMessage(`Copied ${ref}`, 3_000);
    return ref;
  },
};
