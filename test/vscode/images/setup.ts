/**
 * The `images` extension-host run (registered in ../launch.ts): the real Docker engine and the ECR
 * emulator in front of a real registry, and a workspace that is an app repository with a Dockerfile and a
 * gitops-pilot.yaml naming the emulator's repository (its environments in the same repository, pushed to
 * a bare remote). The extension host gets docker and AWS through user settings and environment variables,
 * as a user would configure them.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultDockerCli, ensureBaseImage, removeImages, startDockerd } from '../../support/dockerd';
import { startEcrStack } from '../../support/ecr/emulator';
import type { SuiteRun } from '../launch';
import { GIT_IDENTITY, git } from '../fixtureGit';

export const imagesRun: SuiteRun = {
  name: 'images',
  suite: 'images',
  git: true,
  userSettings: { 'gitopsPilot.gitops.confirmDeployments': false },
  async setup({ workspace }) {
    const daemon = await startDockerd();
    const cleanups: (() => Promise<unknown> | unknown)[] = [() => daemon.stop()];
    const teardown = async () => {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    };
    try {
      const stack = await startEcrStack({ repositories: [{ name: 'demo-app', scanOnPush: true }] });
      cleanups.push(() => stack.close(), () => removeImages(daemon, `${stack.ecr.registryHost}/`));
      const base = await ensureBaseImage(daemon);
      const repository = stack.ecr.repositoryUri('demo-app');
      // the app: a Dockerfile and gitops-pilot.yaml next to the environments' values files
      writeFileSync(join(workspace, 'Dockerfile'), `FROM ${base}\nCOPY app.txt /app/app.txt\nCMD ["/bin/sh", "-c", "cat /app/app.txt"]\n`);
      writeFileSync(join(workspace, 'app.txt'), `demo-app ${Date.now()}\n`);
      writeFileSync(
        join(workspace, 'gitops-pilot.yaml'),
        `image:\n  repository: ${repository}\n  context: .\n  dockerfile: Dockerfile\n  tag: sha\ngitops:\n  repo: .\n  branch: main\nenvironments:\n  - name: dev\n    file: envs/dev/values.yaml\n  - name: staging\n    file: envs/staging/values.yaml\n    promoteFrom: dev\n  - name: prod\n    file: envs/prod/values.yaml\n    promoteFrom: staging\n    protected: true\n`,
      );
      for (const env of readdirSync(join(workspace, 'envs'))) {
        const f = join(workspace, 'envs', env, 'values.yaml');
        writeFileSync(f, readFileSync(f, 'utf8').replace(/repository: \S+/, `repository: ${repository}`));
      }
      git(workspace, 'add', '-A');
      git(workspace, 'commit', '-q', '-m', 'app: Dockerfile and gitops-pilot.yaml');
      const bare = `${workspace}-remote.git`;
      git(dirname(bare), 'init', '-q', '--bare', '-b', 'main', bare);
      git(workspace, 'remote', 'add', 'origin', bare);
      git(workspace, 'push', '-q', '-u', 'origin', 'main');
      cleanups.push(() => rmSync(bare, { recursive: true, force: true }));
      const dockerConfig = `${workspace}-docker-config`;
      mkdirSync(dockerConfig);
      writeFileSync(join(dockerConfig, 'config.json'), '{}\n');
      cleanups.push(() => rmSync(dockerConfig, { recursive: true, force: true }));
      const awsConfig = `${workspace}-aws-config`;
      writeFileSync(awsConfig, '');
      cleanups.push(() => rmSync(awsConfig, { force: true }));
      return {
        env: {
          ...GIT_IDENTITY,
          DOCKER_HOST: daemon.host,
          DOCKER_CONFIG: dockerConfig,
          DOCKER_BUILDKIT: '0',
          AWS_ACCESS_KEY_ID: stack.ecr.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: stack.ecr.credentials.secretAccessKey,
          AWS_REGION: stack.ecr.region,
          AWS_CONFIG_FILE: awsConfig,
          AWS_SHARED_CREDENTIALS_FILE: awsConfig,
          AWS_EC2_METADATA_DISABLED: 'true',
          GITOPS_PILOT_TEST_REMOTE: bare,
          GITOPS_PILOT_TEST_REPOSITORY: repository,
          GITOPS_PILOT_TEST_REGISTRY: JSON.stringify({ url: stack.registry.url, username: stack.registry.username, password: stack.registry.password }),
        },
        userSettings: {
          'gitopsPilot.docker.path': defaultDockerCli(),
          'gitopsPilot.ecr.endpoint': stack.ecr.endpoint,
          'gitopsPilot.aws.region': stack.ecr.region,
        },
        teardown,
      };
    } catch (err) {
      await teardown();
      throw err;
    }
  },
};
