/**
 * Container image reference grammar: tags, digests, repositories and full references
 * (`[registry[:port]/]path[:tag][@digest]`).
 *
 * The regular expressions are the ones of distribution's `reference` package (reference/regexp.go), the
 * grammar Docker, containerd and Kubernetes use, so a value accepted here is accepted by them. Digests are
 * checked against the OCI image-spec digest grammar (`algorithm:encoded`) and, like go-digest, against the
 * exact encoding of the registered algorithms (sha256: 64 lowercase hex characters).
 */
import { inputError } from '../errors';

// ---- distribution/reference regexp.go, verbatim pieces ----

/** alphanumeric atom of a path component: lowercase letters and digits only */
const alphanumeric = '[a-z0-9]+';
/**
 * Separators inside a path component: one period, one or two underscores, or dashes. Go writes `[-]*`
 * (RE2 matches in linear time); `[-]+` is the same language without exponential backtracking in JS.
 */
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
/** the tag grammar, from docker/docker graph/tags.go: `[\w][\w.-]{0,127}` */
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';

const anyTimes = (...res: string[]) => `(?:${res.join('')})*`;
const optional = (...res: string[]) => `(?:${res.join('')})?`;
const capture = (...res: string[]) => `(${res.join('')})`;
const anchored = (...res: string[]) => `^${res.join('')}$`;

const domainName = domainNameComponent + anyTimes('\\.', domainNameComponent);
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = alphanumeric + anyTimes(separator, alphanumeric);
const remoteName = pathComponent + anyTimes('/', pathComponent);
const namePat = optional(domainAndPort, '/') + remoteName;

/** a whole tag, e.g. `v1.2.3` */
export const TAG_REGEXP = new RegExp(anchored(tagPat));
/** a digest as the reference grammar accepts it (any algorithm, hex encoded, at least 32 characters) */
export const REFERENCE_DIGEST_REGEXP = new RegExp(anchored(digestPat));
/** a registry host with an optional port (`registry.example.com:5000`, `[::1]:5000`) */
export const DOMAIN_REGEXP = new RegExp(anchored(domainAndPort));
/** a repository name with its optional registry; captures (domain, remote name) */
export const NAME_REGEXP = new RegExp(anchored(optional(capture(domainAndPort), '/'), capture(remoteName)));
/** a full reference; captures (name, tag, digest) */
export const REFERENCE_REGEXP = new RegExp(anchored(capture(namePat), optional(':', capture(tagPat)), optional('@', capture(digestPat))));

/**
 * The OCI image-spec digest grammar (descriptor.md):
 *   digest ::= algorithm ":" encoded; algorithm ::= component (separator component)*;
 *   component ::= [a-z0-9]+; separator ::= [+._-]; encoded ::= [a-zA-Z0-9=_-]+
 */
export const OCI_DIGEST_REGEXP = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The registered algorithms and the exact form of their encoded part (OCI image-spec, go-digest). */
const REGISTERED_DIGESTS: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/** distribution's NameTotalLengthMax: the repository name (registry included) */
export const NAME_MAX_LENGTH = 255;

// ---- predicates ----

export function isValidTag(tag: string): boolean {
  return TAG_REGEXP.test(tag);
}

/** Why a digest is not acceptable, or undefined when it is. */
export function digestProblem(digest: string): string | undefined {
  if (!OCI_DIGEST_REGEXP.test(digest)) return 'it does not have the form algorithm:encoded (e.g. sha256:<64 hex characters>)';
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const form = REGISTERED_DIGESTS[algorithm];
  if (!form) return `the algorithm "${algorithm}" is not supported (use sha256, sha384 or sha512)`;
  if (!form.test(encoded)) {
    const n = form.source.match(/\{(\d+)\}/)?.[1];
    return `a ${algorithm} digest is ${n} lowercase hexadecimal characters after "${algorithm}:"`;
  }
  return undefined;
}

export function isValidDigest(digest: string): boolean {
  return digestProblem(digest) === undefined;
}

/** Why a repository name is not acceptable, or undefined when it is. */
export function repositoryProblem(repository: string): string | undefined {
  if (repository === '') return 'it is empty';
  if (repository.length > NAME_MAX_LENGTH) return `it is longer than ${NAME_MAX_LENGTH} characters`;
  if (NAME_REGEXP.test(repository)) return undefined;
  if (NAME_REGEXP.test(repository.toLowerCase())) return 'repository names must be lowercase (only the registry host may have capitals)';
  if (/[:@]/.test(repository.replace(/^[^/]*\//, ''))) return 'it contains a tag or digest; give the repository alone';
  return 'it is not a valid repository name (lowercase letters, digits and . _ - separators, / between components, optionally a registry host first)';
}

export function isValidRepository(repository: string): boolean {
  return repositoryProblem(repository) === undefined;
}

// ---- validation with user-facing errors ----

function shown(s: string): string {
  return JSON.stringify(s.length > 140 ? `${s.slice(0, 140)}…` : s);
}

/** Throws an input error unless `tag` matches the OCI tag grammar. Returns the tag. */
export function validateTag(tag: string): string {
  if (typeof tag !== 'string' || !TAG_REGEXP.test(tag)) {
    const why =
      typeof tag !== 'string' || tag === ''
        ? 'it is empty'
        : tag.length > 128
          ? 'it is longer than 128 characters'
          : /^[.-]/.test(tag)
            ? 'it starts with "." or "-"'
            : 'it may only contain letters, digits, "_", "." and "-"';
    const whole = typeof tag === 'string' ? tryParseImageReference(tag) : undefined;
    if (whole && (whole.tag !== undefined || whole.digest !== undefined)) {
      throw inputError('image.referenceNotTag', `${shown(tag)} is a whole image reference, not a tag`, {
        hint: `Give only the tag${whole.tag ? ` (${whole.tag})` : ''}${whole.digest ? ' and the digest separately (--digest)' : ''}; the repository stays as the file has it`,
      });
    }
    throw inputError('image.invalidTag', `${shown(String(tag))} is not a valid image tag: ${why}`, {
      hint: 'A tag is 1-128 characters of [A-Za-z0-9_.-] and starts with a letter, digit or "_"',
    });
  }
  return tag;
}

/** Throws an input error unless `digest` is a valid, supported content digest. Returns the digest. */
export function validateDigest(digest: string): string {
  const why = typeof digest === 'string' ? digestProblem(digest) : 'it is not a string';
  if (why) {
    throw inputError('image.invalidDigest', `${shown(String(digest))} is not a valid image digest: ${why}`, {
      hint: 'Use the digest the registry reports, e.g. sha256:3f9a… (64 hexadecimal characters)',
    });
  }
  return digest;
}

/** Throws an input error unless `repository` is a valid repository name (with an optional registry host). */
export function validateRepository(repository: string): string {
  const why = typeof repository === 'string' ? repositoryProblem(repository) : 'it is not a string';
  if (why) {
    throw inputError('image.invalidRepository', `${shown(String(repository))} is not a valid image repository: ${why}`, {
      hint: 'For example 123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-app or ghcr.io/org/app',
    });
  }
  return repository;
}

// ---- full references ----

export interface ImageReference {
  /** the repository name, registry included when written (`ghcr.io/org/app`, `nginx`) */
  readonly repository: string;
  /**
   * The registry part as the grammar captures it (text before the first "/" when the name has one),
   * undefined when the name has a single component. See `registryOf` for the registry Docker would use.
   */
  readonly domain?: string;
  /** the name without the captured domain */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Parses `repo[:tag][@digest]`; undefined when it does not follow the grammar or its limits. */
export function tryParseImageReference(ref: string): ImageReference | undefined {
  const m = REFERENCE_REGEXP.exec(ref);
  if (!m) return undefined;
  const [, repository, tag, digest] = m;
  if (repository!.length > NAME_MAX_LENGTH) return undefined;
  if (digest !== undefined && !isValidDigest(digest)) return undefined;
  const n = NAME_REGEXP.exec(repository!)!;
  return {
    repository: repository!,
    ...(n[1] !== undefined ? { domain: n[1] } : {}),
    path: n[2]!,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** Parses `repo[:tag][@digest]` or throws an input error that says what is wrong. */
export function parseImageReference(ref: string): ImageReference {
  const parsed = typeof ref === 'string' ? tryParseImageReference(ref) : undefined;
  if (parsed) return parsed;
  let why = 'it does not have the form [registry[:port]/]name[:tag][@digest]';
  if (typeof ref !== 'string' || ref === '') why = 'it is empty';
  else {
    const m = REFERENCE_REGEXP.exec(ref);
    if (m && m[1]!.length > NAME_MAX_LENGTH) why = `the repository name is longer than ${NAME_MAX_LENGTH} characters`;
    else if (m && m[3] !== undefined) why = `its digest is invalid: ${digestProblem(m[3])}`;
    else if (REFERENCE_REGEXP.test(ref.toLowerCase())) why = 'repository names must be lowercase';
  }
  throw inputError('image.invalidReference', `${shown(String(ref))} is not a valid image reference: ${why}`, {
    hint: 'For example ghcr.io/org/app:1.2.3 or registry.example.com:5000/app@sha256:…',
  });
}

/**
 * The one way to split an image reference for reading: the grammar's answer when the text follows it,
 * else a best-effort split of `repo[:tag][@digest]` (a template placeholder, a capitalised name) with
 * `valid: false`, so a view can still show what the file says. Edits use only valid references.
 */
export function splitImageReference(ref: string): { repository: string; tag?: string; digest?: string; valid: boolean } {
  const strict = tryParseImageReference(ref);
  if (strict) return { repository: strict.repository, ...(strict.tag !== undefined ? { tag: strict.tag } : {}), ...(strict.digest !== undefined ? { digest: strict.digest } : {}), valid: true };
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const slash = rest.lastIndexOf('/');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), valid: false };
}

/** Whether a scalar's text is written as a reference (it has a registry, path, tag or digest separator). */
export function looksLikeReference(value: string): boolean {
  return /[/:@]/.test(value);
}

export function formatImageReference(r: { repository: string; tag?: string; digest?: string }): string {
  return `${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/**
 * Splits a repository into the registry host Docker would contact and the path inside it (Docker's
 * splitDockerDomain): the first component is a registry when it contains "." or ":", is "localhost", or
 * has capitals; otherwise the registry is docker.io (and single names get "library/").
 */
export function registryOf(repository: string): { registry: string; path: string; explicit: boolean } {
  const i = repository.indexOf('/');
  const first = i < 0 ? '' : repository.slice(0, i);
  if (i < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    return { registry: 'docker.io', path: i < 0 ? `library/${repository}` : repository, explicit: false };
  }
  return { registry: first, path: repository.slice(i + 1), explicit: true };
}

// ---- mutable tags ----

/** Tags that name a channel or a branch and are re-pointed at new images over time. */
const MUTABLE_NAMES = new Set([
  'latest', 'main', 'master', 'develop', 'development', 'devel', 'dev', 'trunk', 'head', 'stable', 'edge',
  'nightly', 'canary', 'next', 'beta', 'alpha', 'unstable', 'testing', 'test', 'current', 'snapshot',
  'staging', 'stage', 'prod', 'production', 'qa', 'uat', 'preview', 'release', 'rc', 'lts', 'mainline',
]);

/** Branch-naming prefixes (feature-x, fix-123, pr-42 …): builds of a branch that moves. */
const BRANCH_PREFIX = /^(?:feature|feat|fix|bugfix|hotfix|chore|refactor|wip|tmp|temp|topic|dependabot|renovate|pr|mr|pull)(?:[-_.]|$)/;
/** Channel suffixes: 1.2-latest, app-nightly, 3.1-snapshot */
const CHANNEL_SUFFIX = /[-_.](?:latest|nightly|snapshot|edge|dev|develop|main|master|head|canary|unstable)$/;
/** Pinned to a commit: a bare SHA, sha-<sha>, or a branch-sha tag such as main-3f9a1c2 */
const COMMIT_PINNED = /(?:^|[-_.])(?:sha[-_]?)?[0-9a-f]{7,64}$/;

/**
 * Whether a tag is likely mutable (re-pushed to point at new images), which a protected environment must
 * not deploy: channel names (`latest`, `stable`, `edge`, `nightly` …), branch names (`main`, `develop`,
 * `feature-login`, `pr-42`), channel suffixes (`1.2-latest`), and names with no digit at all (`bookworm`,
 * `my-branch`, placeholders). Tags pinned to a commit (`3f9a1c2`, `sha-3f9a1c2`, `main-3f9a1c2`) and
 * version or build numbers (`v1.2.3`, `1.2.3-rc.1`, `build-42`) are treated as immutable.
 *
 * A heuristic: floating version tags such as `1.2` cannot be told apart from build numbers and pass.
 */
export function isMutableTag(tag: string): boolean {
  return mutableTagReason(tag) !== undefined;
}

/** Why `isMutableTag` is true (for a message), or undefined. */
export function mutableTagReason(tag: string): string | undefined {
  const t = tag.toLowerCase();
  if (MUTABLE_NAMES.has(t)) return `"${tag}" is a channel or branch name`;
  if (COMMIT_PINNED.test(t) && /\d/.test(t.match(COMMIT_PINNED)![0])) return undefined;
  if (CHANNEL_SUFFIX.test(t)) return `"${tag}" ends with a channel name`;
  if (BRANCH_PREFIX.test(t)) return `"${tag}" looks like a branch build`;
  if (!/\d/.test(t)) return `"${tag}" has no version or commit in it`;
  return undefined;
}
