/**
 * A GitHub REST API emulator (the part promotion pull requests use, as GitHub Enterprise serves it under
 * /api/v3) over real bare repositories: pull requests whose head is a real branch, mergeability from a
 * real three-way merge, and a merge that really writes the merge commit into the base branch. Proven by
 * the real `gh api` client in test/integration/pullRequests.
 *
 * The GraphQL API `gh pr list|view|checks` query is answered from the same state (graphql.ts).
 *
 * Auth: `Authorization: token T` / `Bearer T` for a token given in `users`; scopes in X-OAuth-Scopes;
 * writing needs the `repo` scope (403 otherwise, as a classic token without it gets).
 */
import { recordSecret } from '../secrets';
import { bearer, branchSha, commitInfo, diffStat, HttpError, mergeBranches, mergeTree, now, startJsonServer, type JsonServer, type Request, type Tls } from './forge';
import { answerGraphql, type GraphqlState } from './graphql';

export interface GitHubUser {
  readonly login: string;
  readonly token?: string;
  /** default ['repo'] */
  readonly scopes?: readonly string[];
}

export interface GitHubEmulatorOptions {
  /** 'owner/name' -> path of its bare repository */
  readonly repos: Record<string, string>;
  readonly users: readonly GitHubUser[];
  readonly tls?: Tls;
  readonly port?: number;
  /** merging needs an approving review (branch protection's "required reviews") */
  readonly requireApproval?: boolean;
}

interface Pull {
  number: number;
  repo: string;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  user: string;
  merged: boolean;
  mergedBy?: string;
  mergeCommit?: string;
  closedBy?: string;
  /** the head commit when it was merged or closed (the branch may be deleted afterwards) */
  finalHead?: string;
  labels: string[];
  reviewers: string[];
  reviews: { id: number; user: string; state: string; body: string; commit: string; submitted: string }[];
  created: string;
  updated: string;
}

export interface GitHubEmulator {
  readonly server: JsonServer;
  /** https://localhost:PORT */
  readonly origin: string;
  /** https://localhost:PORT/api/v3 */
  readonly api: string;
  /** localhost:PORT: what GH_HOST takes */
  readonly host: string;
  readonly pulls: readonly Pull[];
  /** a commit status on a sha, as CI would post it */
  setStatus(repo: string, sha: string, context: string, state: 'success' | 'failure' | 'pending'): void;
  close(): Promise<void>;
}

export async function startGitHubEmulator(o: GitHubEmulatorOptions): Promise<GitHubEmulator> {
  for (const u of o.users) recordSecret(u.token);
  const pulls: Pull[] = [];
  const statuses = new Map<string, { context: string; state: string; updated: string }[]>();
  let reviewId = 1;
  let origin = '';
  const byToken = (t: string | undefined) => o.users.find((u) => u.token !== undefined && u.token === t);
  const userJson = (login: string) => ({ login, id: 1000 + o.users.findIndex((u) => u.login === login), type: 'User', html_url: `${origin}/${login}` });
  const repoJson = (full: string) => {
    const [owner, name] = full.split('/');
    return { id: 1 + Object.keys(o.repos).indexOf(full), name, full_name: full, private: true, owner: userJson(owner!), html_url: `${origin}/${full}`, default_branch: 'main', permissions: { admin: false, push: true, pull: true } };
  };
  const headSha = (p: Pull) => p.finalHead ?? branchSha(o.repos[p.repo]!, p.head) ?? '';
  const pullJson = (p: Pull) => {
    const bare = o.repos[p.repo]!;
    const sha = headSha(p);
    const baseSha = branchSha(bare, p.base) ?? '';
    const open = p.state === 'open';
    const clean = open && sha && baseSha ? mergeTree(bare, baseSha, sha) !== false : false;
    const approved = p.reviews.some((r) => r.state === 'APPROVED');
    const mergeableState = !open ? 'unknown' : !clean ? 'dirty' : p.draft ? 'draft' : o.requireApproval && !approved ? 'blocked' : 'clean';
    const owner = p.repo.split('/')[0]!;
    return {
      id: 5000 + p.number,
      number: p.number,
      node_id: `PR_${p.number}`,
      state: p.state,
      locked: false,
      title: p.title,
      body: p.body,
      user: userJson(p.user),
      html_url: `${origin}/${p.repo}/pull/${p.number}`,
      url: `${origin}/api/v3/repos/${p.repo}/pulls/${p.number}`,
      head: { ref: p.head, sha, label: `${owner}:${p.head}`, repo: repoJson(p.repo), user: userJson(owner) },
      base: { ref: p.base, sha: baseSha, label: `${owner}:${p.base}`, repo: repoJson(p.repo), user: userJson(owner) },
      draft: p.draft,
      merged: p.merged,
      mergeable: open ? clean : null,
      mergeable_state: mergeableState,
      merged_by: p.mergedBy ? userJson(p.mergedBy) : null,
      merge_commit_sha: p.mergeCommit ?? null,
      requested_reviewers: p.reviewers.map(userJson),
      labels: p.labels.map((name, i) => ({ id: i + 1, name, color: 'ededed' })),
      created_at: p.created,
      updated_at: p.updated,
      closed_at: open ? null : p.updated,
      merged_at: p.merged ? p.updated : null,
    };
  };

  const graphqlState: GraphqlState = {
    origin: () => origin,
    repos: o.repos,
    logins: () => o.users.map((u) => u.login),
    pulls: (repo) => pulls.filter((p) => p.repo === repo).sort((a, b) => b.number - a.number).map((p) => ({ rest: pullJson(p), reviews: p.reviews })),
    statuses: (repo, sha) => statuses.get(`${repo}@${sha}`) ?? [],
    commit: (repo, sha) => commitInfo(o.repos[repo]!, sha),
    diffStat: (repo, base, head) => diffStat(o.repos[repo]!, base, head),
  };

  const handle = async (req: Request) => {
    const path = req.path.replace(/^\/api\/v3/, '');
    const user = byToken(bearer(req.headers));
    if (!user) throw new HttpError(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    const scopes = user.scopes ?? ['repo'];
    const headers = { 'x-oauth-scopes': scopes.join(', '), 'x-accepted-oauth-scopes': 'repo', 'x-github-media-type': 'github.v3' };
    const ok = (body: unknown, status = 200) => ({ status, body, headers });
    // GraphQL: /api/graphql on GitHub Enterprise, /graphql on github.com; reading needs no scope beyond the token
    if ((req.path === '/api/graphql' || req.path === '/graphql') && req.method === 'POST') return ok(await answerGraphql(graphqlState, req.body, user.login));
    const write = req.method !== 'GET';
    if (path === '/user') return ok(userJson(user.login));
    const m = /^\/repos\/([^/]+\/[^/]+)(\/.*)?$/.exec(path);
    if (!m || !o.repos[m[1]!]) throw new HttpError(404, { message: 'Not Found' }, headers);
    if (write && !scopes.includes('repo')) throw new HttpError(403, { message: 'Resource not accessible by personal access token' }, headers);
    const repo = m[1]!;
    const bare = o.repos[repo]!;
    const rest = m[2] ?? '';
    const pull = (n: string) => {
      const p = pulls.find((x) => x.repo === repo && x.number === Number(n));
      if (!p) throw new HttpError(404, { message: 'Not Found' }, headers);
      return p;
    };
    let r: RegExpExecArray | null;
    if (rest === '' && req.method === 'GET') return ok(repoJson(repo));
    if (rest === '/pulls' && req.method === 'GET') {
      const state = req.query.get('state') ?? 'open';
      const head = req.query.get('head');
      const base = req.query.get('base');
      let list = pulls.filter((p) => p.repo === repo && (state === 'all' || p.state === state) && (!head || `${repo.split('/')[0]}:${p.head}` === head) && (!base || p.base === base));
      list = list.sort((a, b) => b.number - a.number);
      if (req.query.get('direction') === 'asc') list.reverse();
      return ok(list.slice(0, Number(req.query.get('per_page') ?? 30)).map(pullJson));
    }
    if (rest === '/pulls' && req.method === 'POST') {
      const { title, head, base, body, draft } = req.body;
      const headRef = String(head ?? '').replace(/^[^:]+:/, '');
      if (!title || !headRef || !base) throw new HttpError(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'missing_field' }] }, headers);
      if (!branchSha(bare, headRef) || !branchSha(bare, base)) throw new HttpError(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] }, headers);
      if (pulls.some((p) => p.repo === repo && p.state === 'open' && p.head === headRef && p.base === base)) {
        throw new HttpError(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.split('/')[0]}:${headRef}.` }] }, headers);
      }
      const p: Pull = { number: pulls.filter((x) => x.repo === repo).length + 1, repo, title, body: body ?? '', head: headRef, base, draft: !!draft, state: 'open', user: user.login, merged: false, labels: [], reviewers: [], reviews: [], created: now(), updated: now() };
      pulls.push(p);
      return ok(pullJson(p), 201);
    }
    if ((r = /^\/pulls\/(\d+)$/.exec(rest))) {
      const p = pull(r[1]!);
      if (req.method === 'GET') return ok(pullJson(p));
      if (req.method === 'PATCH') {
        if (typeof req.body.title === 'string') p.title = req.body.title;
        if (typeof req.body.body === 'string') p.body = req.body.body;
        if (req.body.state === 'closed' && p.state === 'open') {
          p.state = 'closed';
          p.closedBy = user.login;
          p.finalHead = headSha(p);
        }
        p.updated = now();
        return ok(pullJson(p));
      }
    }
    if ((r = /^\/pulls\/(\d+)\/merge$/.exec(rest))) {
      const p = pull(r[1]!);
      if (req.method === 'GET') return p.merged ? { status: 204, body: undefined, headers } : { status: 404, body: { message: 'Not Found' }, headers };
      if (req.method === 'PUT') {
        if (p.state !== 'open') throw new HttpError(405, { message: 'Pull Request is not mergeable' }, headers);
        const sha = headSha(p);
        if (req.body.sha && req.body.sha !== sha) throw new HttpError(409, { message: 'Head branch was modified. Review and try the merge again.' }, headers);
        const state = pullJson(p).mergeable_state;
        if (state !== 'clean') throw new HttpError(405, { message: state === 'blocked' ? 'At least 1 approving review is required by reviewers with write access.' : 'Pull Request is not mergeable' }, headers);
        const title = req.body.commit_title ?? `Merge pull request #${p.number} from ${repo.split('/')[0]}:${p.head}`;
        p.mergeCommit = mergeBranches(bare, p.base, p.head, `${title}\n\n${req.body.commit_message ?? p.title}`);
        p.finalHead = sha;
        p.merged = true;
        p.mergedBy = user.login;
        p.state = 'closed';
        p.updated = now();
        return ok({ sha: p.mergeCommit, merged: true, message: 'Pull Request successfully merged' });
      }
    }
    if ((r = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      const p = pull(r[1]!);
      const json = (v: Pull['reviews'][number]) => ({ id: v.id, user: userJson(v.user), state: v.state, body: v.body, commit_id: v.commit, submitted_at: v.submitted });
      if (req.method === 'GET') return ok(p.reviews.map(json));
      if (req.method === 'POST') {
        const state = { APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED', COMMENT: 'COMMENTED' }[String(req.body.event)] ?? 'PENDING';
        const v = { id: reviewId++, user: user.login, state, body: req.body.body ?? '', commit: headSha(p), submitted: now() };
        p.reviews.push(v);
        p.reviewers = p.reviewers.filter((x) => x !== user.login);
        return ok(json(v));
      }
    }
    if ((r = /^\/pulls\/(\d+)\/requested_reviewers$/.exec(rest)) && req.method === 'POST') {
      const p = pull(r[1]!);
      const names: string[] = req.body.reviewers ?? [];
      const unknown = names.filter((n) => !o.users.some((u) => u.login === n));
      if (unknown.length) throw new HttpError(422, { message: 'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the repository.' }, headers);
      for (const n of names) if (!p.reviewers.includes(n)) p.reviewers.push(n);
      return ok(pullJson(p), 201);
    }
    if ((r = /^\/issues\/(\d+)\/labels$/.exec(rest)) && req.method === 'POST') {
      const p = pull(r[1]!);
      for (const l of req.body.labels ?? []) if (!p.labels.includes(l)) p.labels.push(l);
      return ok(p.labels.map((name, i) => ({ id: i + 1, name, color: 'ededed' })));
    }
    if ((r = /^\/issues\/(\d+)$/.exec(rest)) && req.method === 'GET') {
      const p = pull(r[1]!);
      return ok({ number: p.number, state: p.state, title: p.title, pull_request: { url: pullJson(p).url }, closed_by: p.closedBy ? userJson(p.closedBy) : p.mergedBy ? userJson(p.mergedBy) : null });
    }
    if ((r = /^\/commits\/([^/]+)\/status$/.exec(rest)) && req.method === 'GET') {
      const list = statuses.get(`${repo}@${r[1]}`) ?? [];
      const state = list.some((s) => s.state === 'failure') ? 'failure' : list.some((s) => s.state === 'pending') || !list.length ? 'pending' : 'success';
      return ok({ state, sha: r[1], total_count: list.length, statuses: list.map((s, i) => ({ id: i + 1, context: s.context, state: s.state, updated_at: s.updated })) });
    }
    if ((r = /^\/commits\/([^/]+)\/check-runs$/.exec(rest)) && req.method === 'GET') return ok({ total_count: 0, check_runs: [] });
    if ((r = /^\/statuses\/([0-9a-f]{40})$/.exec(rest)) && req.method === 'POST') {
      setStatus(repo, r[1]!, req.body.context ?? 'default', req.body.state);
      return ok({ context: req.body.context ?? 'default', state: req.body.state }, 201);
    }
    throw new HttpError(404, { message: 'Not Found' }, headers);
  };
  function setStatus(repo: string, sha: string, context: string, state: string): void {
    const key = `${repo}@${sha}`;
    const list = (statuses.get(key) ?? []).filter((s) => s.context !== context);
    list.push({ context, state, updated: now() });
    statuses.set(key, list);
  }
  const server = await startJsonServer(handle, o.tls, o.port);
  origin = server.origin;
  return {
    server,
    origin,
    api: `${origin}/api/v3`,
    host: origin.replace(/^https?:\/\//, ''),
    pulls,
    setStatus: (repo, sha, context, state) => setStatus(repo, sha, context, state),
    close: () => server.close(),
  };
}
