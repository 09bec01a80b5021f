/**
 * A GitLab REST API (v4) emulator, the part promotion merge requests use, over real bare repositories:
 * merge requests whose source is a real branch, mergeability from a real three-way merge, and a merge
 * that really writes the merge commit into the target branch. Proven by the real python-gitlab client
 * in test/integration/pullRequests.
 *
 * Auth: `PRIVATE-TOKEN: T` or `Authorization: Bearer T` for a token given in `users`; writing needs the
 * `api` scope (403 insufficient_scope otherwise, as GitLab answers a read_api token).
 */
import { recordSecret } from '../secrets';
import { bearer, branchSha, HttpError, mergeBranches, mergeTree, now, startJsonServer, type JsonServer, type Request, type Tls } from '../github/forge';

export interface GitLabUser {
  readonly username: string;
  readonly token?: string;
  /** default ['api'] */
  readonly scopes?: readonly string[];
}

export interface GitLabEmulatorOptions {
  /** 'group/project' -> path of its bare repository */
  readonly projects: Record<string, string>;
  readonly users: readonly GitLabUser[];
  readonly tls?: Tls;
  readonly port?: number;
  /** approvals needed before a merge */
  readonly approvalsRequired?: number;
}

interface MergeRequest {
  iid: number;
  project: string;
  title: string;
  description: string;
  source: string;
  target: string;
  state: 'opened' | 'closed' | 'merged';
  author: string;
  labels: string[];
  reviewers: string[];
  approvedBy: string[];
  mergedBy?: string;
  closedBy?: string;
  mergeCommit?: string;
  finalSha?: string;
  pipeline?: string;
  created: string;
  updated: string;
}

export interface GitLabEmulator {
  readonly server: JsonServer;
  /** https://localhost:PORT (the API is under /api/v4) */
  readonly origin: string;
  readonly mergeRequests: readonly MergeRequest[];
  /** the head pipeline's status of a merge request, as CI would set it */
  setPipeline(project: string, iid: number, status: 'success' | 'failed' | 'running'): void;
  close(): Promise<void>;
}

export async function startGitLabEmulator(o: GitLabEmulatorOptions): Promise<GitLabEmulator> {
  for (const u of o.users) recordSecret(u.token);
  const mrs: MergeRequest[] = [];
  let origin = '';
  const userJson = (username: string) => ({ id: 100 + o.users.findIndex((u) => u.username === username), username, name: username, state: 'active', web_url: `${origin}/${username}` });
  const projectId = (p: string) => 1 + Object.keys(o.projects).indexOf(p);
  const projectJson = (p: string) => ({ id: projectId(p), path_with_namespace: p, name: p.split('/').pop(), default_branch: 'main', web_url: `${origin}/${p}`, http_url_to_repo: `${origin}/${p}.git` });
  const sha = (m: MergeRequest) => m.finalSha ?? branchSha(o.projects[m.project]!, m.source) ?? '';
  const mrJson = (m: MergeRequest) => {
    const bare = o.projects[m.project]!;
    const open = m.state === 'opened';
    const head = sha(m);
    const base = branchSha(bare, m.target);
    const conflicts = open && head && base ? mergeTree(bare, base, head) === false : false;
    const draft = /^(draft:|\[draft\])/i.test(m.title);
    const approvalsLeft = Math.max(0, (o.approvalsRequired ?? 0) - m.approvedBy.length);
    const detailed = !open ? 'not_open' : conflicts ? 'conflict' : draft ? 'draft_status' : approvalsLeft ? 'not_approved' : m.pipeline && m.pipeline !== 'success' ? 'ci_must_pass' : 'mergeable';
    return {
      id: 7000 + m.iid,
      iid: m.iid,
      project_id: projectId(m.project),
      title: m.title,
      description: m.description,
      state: m.state,
      source_branch: m.source,
      target_branch: m.target,
      sha: head,
      web_url: `${origin}/${m.project}/-/merge_requests/${m.iid}`,
      draft,
      work_in_progress: draft,
      has_conflicts: conflicts,
      merge_status: open ? (conflicts ? 'cannot_be_merged' : 'can_be_merged') : 'can_be_merged',
      detailed_merge_status: detailed,
      labels: m.labels,
      reviewers: m.reviewers.map(userJson),
      author: userJson(m.author),
      merged_by: m.mergedBy ? userJson(m.mergedBy) : null,
      merge_user: m.mergedBy ? userJson(m.mergedBy) : null,
      closed_by: m.closedBy ? userJson(m.closedBy) : null,
      merge_commit_sha: m.mergeCommit ?? null,
      head_pipeline: m.pipeline ? { id: m.iid, sha: head, status: m.pipeline } : null,
      references: { short: `!${m.iid}`, full: `${m.project}!${m.iid}` },
      created_at: m.created,
      updated_at: m.updated,
    };
  };
  const list = (items: unknown[]) => ({ body: items, headers: { 'x-page': '1', 'x-per-page': String(Math.max(20, items.length)), 'x-total': String(items.length), 'x-total-pages': '1', 'x-next-page': '', 'x-prev-page': '' } });

  const handle = (req: Request) => {
    const token = (req.headers['private-token'] as string | undefined) ?? bearer(req.headers);
    const user = o.users.find((u) => u.token !== undefined && u.token === token);
    if (!user) throw new HttpError(401, { message: '401 Unauthorized' });
    const scopes = user.scopes ?? ['api'];
    const path = req.path.replace(/^\/api\/v4/, '');
    if (req.method !== 'GET' && !scopes.includes('api')) {
      throw new HttpError(403, { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: 'api' });
    }
    if (path === '/user') return { body: userJson(user.username) };
    // the token itself (GitLab 15.5+): how a client learns its scopes before it writes anything
    if (path === '/personal_access_tokens/self' && req.method === 'GET') {
      return { body: { id: 100 + o.users.indexOf(user), name: `${user.username}-token`, revoked: false, created_at: '2026-01-01T00:00:00.000Z', scopes, user_id: userJson(user.username).id, last_used_at: null, active: true, expires_at: null } };
    }
    if (path === '/users') return list(o.users.filter((u) => !req.query.get('username') || u.username === req.query.get('username')).map((u) => userJson(u.username)));
    const m = /^\/projects\/(.+?)(\/merge_requests.*)?$/.exec(path);
    const project = m ? (Object.keys(o.projects).find((p) => p === m[1] || String(projectId(p)) === m[1]) ?? '') : '';
    if (!m || !project) throw new HttpError(404, { message: '404 Project Not Found' });
    const bare = o.projects[project]!;
    const rest = m[2] ?? '';
    const mr = (iid: string) => {
      const x = mrs.find((r) => r.project === project && r.iid === Number(iid));
      if (!x) throw new HttpError(404, { message: '404 Not found' });
      return x;
    };
    let r: RegExpExecArray | null;
    if (rest === '' && req.method === 'GET') return { body: projectJson(project) };
    if (rest === '/merge_requests' && req.method === 'GET') {
      const q = req.query;
      const state = q.get('state') ?? 'all';
      const found = mrs
        .filter((x) => x.project === project && (state === 'all' || x.state === state) && (!q.get('source_branch') || x.source === q.get('source_branch')) && (!q.get('target_branch') || x.target === q.get('target_branch')))
        .sort((a, b) => (q.get('sort') === 'asc' ? a.iid - b.iid : b.iid - a.iid));
      return list(found.map(mrJson));
    }
    if (rest === '/merge_requests' && req.method === 'POST') {
      const b = req.body;
      if (!b.source_branch || !b.target_branch || !b.title) throw new HttpError(400, { message: 'title, source_branch and target_branch are missing' });
      if (!branchSha(bare, b.source_branch)) throw new HttpError(400, { message: ['Source branch does not exist'] });
      const dup = mrs.find((x) => x.project === project && x.state === 'opened' && x.source === b.source_branch && x.target === b.target_branch);
      if (dup) throw new HttpError(409, { message: [`Another open merge request already exists for this source branch: !${dup.iid}`] });
      const ids: number[] = (Array.isArray(b.reviewer_ids) ? b.reviewer_ids : b.reviewer_ids ? String(b.reviewer_ids).split(',') : []).map(Number);
      const x: MergeRequest = {
        iid: mrs.filter((y) => y.project === project).length + 1, project, title: b.title, description: b.description ?? '', source: b.source_branch, target: b.target_branch, state: 'opened', author: user.username,
        labels: labelsOf(b.labels), reviewers: o.users.filter((u) => ids.includes(userJson(u.username).id)).map((u) => u.username), approvedBy: [], created: now(), updated: now(),
      };
      mrs.push(x);
      return { status: 201, body: mrJson(x) };
    }
    if ((r = /^\/merge_requests\/(\d+)$/.exec(rest))) {
      const x = mr(r[1]!);
      if (req.method === 'GET') return { body: mrJson(x) };
      if (req.method === 'PUT') {
        const b = req.body;
        if (typeof b.title === 'string') x.title = b.title;
        if (typeof b.description === 'string') x.description = b.description;
        if (b.labels !== undefined) x.labels = labelsOf(b.labels);
        for (const l of labelsOf(b.add_labels)) if (!x.labels.includes(l)) x.labels.push(l);
        if (b.reviewer_ids !== undefined) {
          const ids = (Array.isArray(b.reviewer_ids) ? b.reviewer_ids : String(b.reviewer_ids).split(',')).map(Number);
          x.reviewers = o.users.filter((u) => ids.includes(userJson(u.username).id)).map((u) => u.username);
        }
        if (b.state_event === 'close' && x.state === 'opened') {
          x.state = 'closed';
          x.closedBy = user.username;
          x.finalSha = sha(x);
        }
        x.updated = now();
        return { body: mrJson(x) };
      }
    }
    if ((r = /^\/merge_requests\/(\d+)\/merge$/.exec(rest)) && req.method === 'PUT') {
      const x = mr(r[1]!);
      const head = sha(x);
      if (x.state !== 'opened') throw new HttpError(405, { message: '405 Method Not Allowed' });
      if (req.body.sha && req.body.sha !== head) throw new HttpError(409, { message: `SHA does not match HEAD of source branch: ${head}` });
      if (mrJson(x).detailed_merge_status !== 'mergeable') throw new HttpError(405, { message: '405 Method Not Allowed' });
      x.mergeCommit = mergeBranches(bare, x.target, x.source, req.body.merge_commit_message ?? `Merge branch '${x.source}' into '${x.target}'\n\n${x.title}\n\nSee merge request ${project}!${x.iid}`);
      x.finalSha = head;
      x.state = 'merged';
      x.mergedBy = user.username;
      x.updated = now();
      return { body: mrJson(x) };
    }
    if ((r = /^\/merge_requests\/(\d+)\/approvals$/.exec(rest)) && req.method === 'GET') return { body: approvals(mr(r[1]!)) };
    if ((r = /^\/merge_requests\/(\d+)\/approve$/.exec(rest)) && req.method === 'POST') {
      const x = mr(r[1]!);
      if (!x.approvedBy.includes(user.username)) x.approvedBy.push(user.username);
      return { status: 201, body: approvals(x) };
    }
    throw new HttpError(404, { message: '404 Not Found' });
  };
  const approvals = (x: MergeRequest) => {
    const left = Math.max(0, (o.approvalsRequired ?? 0) - x.approvedBy.length);
    return { id: 7000 + x.iid, iid: x.iid, approved: left === 0 && x.approvedBy.length > 0, approvals_required: o.approvalsRequired ?? 0, approvals_left: left, approved_by: x.approvedBy.map((u) => ({ user: userJson(u) })) };
  };
  const server = await startJsonServer(handle, o.tls, o.port, 'application/json');
  origin = server.origin;
  return {
    server,
    origin,
    mergeRequests: mrs,
    setPipeline(project, iid, status) {
      const x = mrs.find((m) => m.project === project && m.iid === iid);
      if (x) x.pipeline = status;
    },
    close: () => server.close(),
  };
}

function labelsOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}
