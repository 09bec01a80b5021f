import * as vscode from 'vscode';
import { Emitter } from '../core/util/events';
import { DisposableOwner } from '../core/util/lifecycle';

/**
 * Typed access to the extension's settings (the only place that reads `gitopsPilot.*`).
 * Settings that name executables, endpoints or kubeconfig files are read from user settings only
 * (their manifest scope is `machine`, and we also ignore any workspace value defensively), so a
 * cloned repository can never point the extension at a program or server of its choosing.
 */
export const SECTION = 'gitopsPilot';

type Spec<T> = { readonly key: string; readonly default: T; readonly userOnly: boolean };
const spec = <T>(key: string, def: T, userOnly = false): Spec<T> => ({ key, default: def, userOnly });

export const SETTINGS = {
  dockerPath: spec('docker.path', 'docker', true),
  gitPath: spec('git.path', 'git', true),
  kubeconfig: spec<string[]>('kubernetes.kubeconfig', [], true),
  ecrEndpoint: spec('ecr.endpoint', '', true),
  awsProfile: spec('aws.profile', '', true),
  awsRegion: spec('aws.region', ''),
  pushMode: spec<'direct' | 'branch'>('gitops.pushMode', 'direct'),
  confirmDeployments: spec('gitops.confirmDeployments', true),
  watchAfterDeploy: spec('rollout.watchAfterDeploy', true),
  rolloutTimeout: spec('rollout.timeout', '10m'),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type SettingValue<K extends SettingName> = (typeof SETTINGS)[K]['default'];

export class Settings extends DisposableOwner {
  private readonly changed = this.register(new Emitter<SettingName[]>());
  /** fires with the names of the settings that changed */
  readonly onDidChange = this.changed.event;

  constructor() {
    super();
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        const names = (Object.keys(SETTINGS) as SettingName[]).filter((n) => e.affectsConfiguration(`${SECTION}.${SETTINGS[n].key}`));
        if (names.length) this.changed.fire(names);
      }),
    );
  }

  get<K extends SettingName>(name: K): SettingValue<K> {
    const s = SETTINGS[name];
    const cfg = vscode.workspace.getConfiguration(SECTION);
    if (s.userOnly || !vscode.workspace.isTrusted) {
      const i = cfg.inspect<SettingValue<K>>(s.key);
      return (i?.globalValue ?? i?.defaultValue ?? s.default) as SettingValue<K>;
    }
    return cfg.get<SettingValue<K>>(s.key, s.default as SettingValue<K>);
  }
}
