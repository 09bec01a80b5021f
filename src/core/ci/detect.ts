/** Which test tooling an app repository uses, from the files at its root: npm, Maven, Gradle, Go, Python. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type TestKind = 'npm' | 'maven' | 'gradle' | 'go' | 'python' | 'none';

export interface TestTooling {
  readonly kind: TestKind;
  /** the official image the test job runs in (none: the CLI image) */
  readonly image?: string;
  /** POSIX shell lines, run in the app root */
  readonly commands: readonly string[];
  /** what was found, for messages: "package.json (npm test)" */
  readonly evidence: string;
}

export const NO_TESTS_MESSAGE = 'No tests were detected (npm, Maven, Gradle, Go or Python). Replace this step with the command that runs your tests.';

async function exists(dir: string, name: string): Promise<boolean> {
  try {
    await stat(join(dir, name));
    return true;
  } catch {
    return false;
  }
}

/** The first tooling found, in the order npm, Maven, Gradle, Go, Python; else a step that says what to fill in. */
export async function detectTests(dir: string): Promise<TestTooling> {
  if (await exists(dir, 'package.json')) {
    let scripts: Record<string, unknown> = {};
    try {
      scripts = ((JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> }).scripts ?? {}) as Record<string, unknown>;
    } catch {
      /* unreadable package.json: treat as no test script */
    }
    if (typeof scripts.test === 'string' && !/no test specified/.test(scripts.test)) {
      const install = (await exists(dir, 'package-lock.json')) || (await exists(dir, 'npm-shrinkwrap.json')) ? 'npm ci' : 'npm install';
      return { kind: 'npm', image: 'node:20-bookworm-slim', commands: [install, 'npm test'], evidence: 'package.json (npm test)' };
    }
  }
  if (await exists(dir, 'pom.xml')) {
    const mvn = (await exists(dir, 'mvnw')) ? './mvnw' : 'mvn';
    return { kind: 'maven', image: 'maven:3-eclipse-temurin-21', commands: [`${mvn} -B verify`], evidence: 'pom.xml' };
  }
  for (const f of ['build.gradle.kts', 'build.gradle']) {
    if (await exists(dir, f)) {
      const gradle = (await exists(dir, 'gradlew')) ? './gradlew' : 'gradle';
      return { kind: 'gradle', image: 'gradle:8-jdk21', commands: [`${gradle} test --no-daemon`], evidence: f };
    }
  }
  if (await exists(dir, 'go.mod')) return { kind: 'go', image: 'golang:1.22', commands: ['go test ./...'], evidence: 'go.mod' };
  for (const f of ['pyproject.toml', 'requirements.txt', 'setup.py']) {
    if (await exists(dir, f)) {
      const install = f === 'requirements.txt' ? 'pip install -r requirements.txt pytest' : 'pip install . pytest';
      return { kind: 'python', image: 'python:3.12-slim', commands: [install, 'python -m pytest'], evidence: f };
    }
  }
  return { kind: 'none', commands: [`echo "${NO_TESTS_MESSAGE}"`], evidence: 'no test tooling found' };
}
