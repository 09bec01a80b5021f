/**
 * The GitHub GraphQL API (POST /api/graphql on GitHub Enterprise, /graphql on github.com) for the part of
 * its schema the real `gh pr list`, `gh pr view [--json ...]` and `gh pr checks` query, executed by graphql-js
 * against the emulator's own state: the same pull requests, labels, reviewers, reviews, merge state and
 * commit statuses the REST API of emulator.ts serves. A field gh asks for that is not here fails
 * validation as on a real server, so a new gh version shows what it needs instead of getting made-up data.
 * Type and field names are GitHub's (https://docs.github.com/graphql/reference).
 */
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';

const SDL = /* GraphQL */ `
scalar DateTime
scalar URI
scalar GitObjectID
scalar HTML

interface Node { id: ID! }
interface Actor { login: String! avatarUrl: URI url: URI! }
interface RepositoryOwner { id: ID! login: String! url: URI! }

type User implements Node & Actor & RepositoryOwner { id: ID! login: String! name: String avatarUrl: URI url: URI! }
type Organization implements Node & Actor & RepositoryOwner { id: ID! login: String! name: String avatarUrl: URI url: URI! }
type Team implements Node { id: ID! name: String! slug: String! organization: Organization! }
union RequestedReviewer = User | Team

type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! endCursor: String startCursor: String }

enum PullRequestState { OPEN CLOSED MERGED }
enum MergeableState { MERGEABLE CONFLICTING UNKNOWN }
enum MergeStateStatus { BEHIND BLOCKED CLEAN DIRTY DRAFT HAS_HOOKS UNKNOWN UNSTABLE }
enum PullRequestReviewDecision { APPROVED CHANGES_REQUESTED REVIEW_REQUIRED }
enum PullRequestReviewState { PENDING COMMENTED APPROVED CHANGES_REQUESTED DISMISSED }
enum CommentAuthorAssociation { MEMBER OWNER MANNEQUIN COLLABORATOR CONTRIBUTOR FIRST_TIME_CONTRIBUTOR FIRST_TIMER NONE }
enum ReactionContent { THUMBS_UP THUMBS_DOWN LAUGH HOORAY CONFUSED HEART ROCKET EYES }
enum StatusState { EXPECTED ERROR FAILURE PENDING SUCCESS }
enum CheckStatusState { REQUESTED QUEUED IN_PROGRESS COMPLETED WAITING PENDING }
enum CheckConclusionState { ACTION_REQUIRED TIMED_OUT CANCELLED FAILURE SUCCESS NEUTRAL SKIPPED STARTUP_FAILURE STALE }
enum PullRequestOrderField { CREATED_AT UPDATED_AT }
enum OrderDirection { ASC DESC }
input IssueOrder { field: PullRequestOrderField! direction: OrderDirection! }

type ReactingUserConnection { totalCount: Int! }
type ReactionGroup { content: ReactionContent! users: ReactingUserConnection! }

type Label implements Node { id: ID! name: String! description: String color: String! }
type LabelConnection { nodes: [Label] totalCount: Int! pageInfo: PageInfo! }
type ReviewRequest { requestedReviewer: RequestedReviewer }
type ReviewRequestConnection { nodes: [ReviewRequest] totalCount: Int! pageInfo: PageInfo! }
type UserConnection { nodes: [User] totalCount: Int! pageInfo: PageInfo! }
type Project { name: String! }
type ProjectColumn { name: String! }
type ProjectCard { project: Project! column: ProjectColumn }
type ProjectCardConnection { nodes: [ProjectCard] totalCount: Int! }
type Milestone { number: Int! title: String! description: String dueOn: DateTime }
type IssueComment implements Node {
  id: ID! author: Actor authorAssociation: CommentAuthorAssociation! body: String! createdAt: DateTime!
  includesCreatedEdit: Boolean! isMinimized: Boolean! minimizedReason: String reactionGroups: [ReactionGroup!]
  url: URI! viewerDidAuthor: Boolean!
}
type IssueCommentConnection { nodes: [IssueComment] totalCount: Int! pageInfo: PageInfo! }

type StatusContext { context: String! state: StatusState! targetUrl: URI description: String createdAt: DateTime! isRequired(pullRequestId: ID, pullRequestNumber: Int): Boolean! }
type Workflow { name: String! }
type WorkflowRun { workflow: Workflow! }
type CheckSuite { workflowRun: WorkflowRun }
type CheckRun { name: String! status: CheckStatusState! conclusion: CheckConclusionState startedAt: DateTime completedAt: DateTime detailsUrl: URI checkSuite: CheckSuite! isRequired(pullRequestId: ID, pullRequestNumber: Int): Boolean! }
union StatusCheckRollupContext = StatusContext | CheckRun
type StatusCheckRollupContextConnection { nodes: [StatusCheckRollupContext] totalCount: Int! pageInfo: PageInfo! }
type StatusCheckRollup { state: StatusState! contexts(first: Int, after: String, last: Int, before: String): StatusCheckRollupContextConnection! }

type GitActor { name: String email: String }
type Commit implements Node {
  id: ID! oid: GitObjectID! abbreviatedOid: String! message: String! messageHeadline: String! messageBody: String!
  committedDate: DateTime! authoredDate: DateTime! authors(first: Int): GitActorConnection! statusCheckRollup: StatusCheckRollup
}
type GitActorConnection { nodes: [GitActor] totalCount: Int! }
type PullRequestCommit { commit: Commit! }
type PullRequestCommitConnection { nodes: [PullRequestCommit] totalCount: Int! pageInfo: PageInfo! }

type PullRequestReview implements Node {
  id: ID! author: Actor authorAssociation: CommentAuthorAssociation! submittedAt: DateTime body: String! state: PullRequestReviewState!
  commit: Commit reactionGroups: [ReactionGroup!]
}
type PullRequestReviewConnection { nodes: [PullRequestReview] totalCount: Int! pageInfo: PageInfo! }

type PullRequest implements Node {
  id: ID! number: Int! title: String! body: String! url: URI! state: PullRequestState! closed: Boolean!
  isDraft: Boolean! locked: Boolean! maintainerCanModify: Boolean! isCrossRepository: Boolean!
  author: Actor createdAt: DateTime! updatedAt: DateTime! closedAt: DateTime mergedAt: DateTime mergedBy: Actor
  mergeable: MergeableState! mergeStateStatus: MergeStateStatus! reviewDecision: PullRequestReviewDecision
  additions: Int! deletions: Int! changedFiles: Int!
  baseRefName: String! baseRefOid: GitObjectID! headRefName: String! headRefOid: GitObjectID!
  headRepository: Repository headRepositoryOwner: RepositoryOwner baseRepository: Repository
  mergeCommit: Commit potentialMergeCommit: Commit
  labels(first: Int, after: String): LabelConnection
  assignees(first: Int, after: String): UserConnection!
  reviewRequests(first: Int, after: String): ReviewRequestConnection
  reviews(first: Int, after: String, last: Int, states: [PullRequestReviewState!]): PullRequestReviewConnection
  latestReviews(first: Int, after: String): PullRequestReviewConnection
  comments(first: Int, after: String, last: Int): IssueCommentConnection!
  commits(first: Int, after: String, last: Int): PullRequestCommitConnection!
  projectCards(first: Int, after: String): ProjectCardConnection!
  milestone: Milestone
  reactionGroups: [ReactionGroup!]
}
type PullRequestConnection { nodes: [PullRequest] totalCount: Int! pageInfo: PageInfo! }

type Repository implements Node {
  id: ID! name: String! nameWithOwner: String! owner: RepositoryOwner! url: URI! isPrivate: Boolean!
  defaultBranchRef: Ref viewerPermission: String
  pullRequest(number: Int!): PullRequest
  pullRequests(states: [PullRequestState!], baseRefName: String, headRefName: String, labels: [String!], first: Int, after: String, last: Int, before: String, orderBy: IssueOrder): PullRequestConnection!
}
type Ref { name: String! }

type Query {
  repository(owner: String!, name: String!): Repository
  viewer: User!
  node(id: ID!): Node
}
`;

/** What the GraphQL layer reads from the emulator: its REST view of a pull request, so both APIs agree. */
export interface GraphqlState {
  readonly origin: () => string;
  readonly repos: Record<string, string>;
  readonly logins: () => readonly string[];
  /** the pull requests of a repository, newest first */
  pulls(repo: string): readonly GraphqlPull[];
  /** the commit statuses posted for a sha */
  statuses(repo: string, sha: string): readonly { context: string; state: string; updated: string }[];
  /** a commit's fields, read from the bare repository */
  commit(repo: string, sha: string): { message: string; date: string; author: string; email: string } | undefined;
  /** lines added / removed and files changed from base to head */
  diffStat(repo: string, base: string, head: string): { additions: number; deletions: number; files: number };
}

/** The emulator's pull request as REST serves it (pullJson), plus its reviews. */
export interface GraphqlPull {
  readonly rest: Record<string, any>;
  readonly reviews: readonly { id: number; user: string; state: string; body: string; commit: string; submitted: string }[];
}

let schema: GraphQLSchema | undefined;

const connection = <T>(all: readonly T[], a: { first?: number; last?: number } = {}) => {
  const nodes = a.last !== undefined ? all.slice(Math.max(0, all.length - a.last)) : all.slice(0, a.first ?? all.length);
  return { nodes, totalCount: all.length, pageInfo: { hasNextPage: nodes.length < all.length && a.last === undefined, hasPreviousPage: false, endCursor: nodes.length ? `cursor:${nodes.length}` : null, startCursor: nodes.length ? 'cursor:0' : null } };
};

/** Answers one GraphQL request ({query, variables}) for the user `login`, as GitHub does: `{data, errors}`. */
export async function answerGraphql(state: GraphqlState, body: { query?: unknown; variables?: unknown; operationName?: unknown }, login: string): Promise<Record<string, unknown>> {
  schema ??= buildSchema(SDL);
  const origin = state.origin();
  const user = (l: string) => ({ __typename: 'User', id: `U_${l}`, login: l, name: l, avatarUrl: `${origin}/${l}.png`, url: `${origin}/${l}` });
  const owner = (l: string) => (state.logins().includes(l) ? user(l) : { __typename: 'Organization', id: `O_${l}`, login: l, name: l, avatarUrl: `${origin}/${l}.png`, url: `${origin}/${l}` });
  const statusState = (s: string) => ({ success: 'SUCCESS', failure: 'FAILURE', error: 'ERROR', pending: 'PENDING' })[s] ?? 'EXPECTED';
  const commit = (repo: string, sha: string) => {
    const c = state.commit(repo, sha);
    const msg = c?.message ?? '';
    const statuses = state.statuses(repo, sha);
    const contexts = statuses.map((s) => ({ __typename: 'StatusContext', context: s.context, state: statusState(s.state), targetUrl: null, description: null, createdAt: s.updated, isRequired: false }));
    // (the emulator's branch protection requires reviews, not named status checks)
    const rollup = statuses.some((s) => s.state === 'failure' || s.state === 'error') ? 'FAILURE' : statuses.some((s) => s.state === 'pending') ? 'PENDING' : 'SUCCESS';
    return {
      id: `C_${sha}`,
      oid: sha,
      abbreviatedOid: sha.slice(0, 7),
      message: msg,
      messageHeadline: msg.split('\n')[0] ?? '',
      messageBody: msg.split('\n').slice(2).join('\n'),
      committedDate: c?.date,
      authoredDate: c?.date,
      authors: () => connection([{ name: c?.author, email: c?.email }]),
      statusCheckRollup: statuses.length ? { state: rollup, contexts: (a: { first?: number; last?: number }) => connection(contexts, a) } : null,
    };
  };
  const repository = (full: string) => {
    const [o, name] = full.split('/') as [string, string];
    const pulls = () => state.pulls(full);
    const pr = (p: GraphqlPull) => {
      const r = p.rest;
      const approvals = new Map<string, string>();
      for (const v of p.reviews) if (v.state === 'APPROVED' || v.state === 'CHANGES_REQUESTED' || v.state === 'DISMISSED') approvals.set(v.user, v.state);
      const decisions = [...approvals.values()];
      const stat = () => state.diffStat(full, r.base.sha, r.head.sha);
      const reviews = p.reviews.map((v) => ({ id: `PRR_${v.id}`, author: user(v.user), authorAssociation: 'COLLABORATOR', submittedAt: v.submitted, body: v.body, state: v.state, commit: commit(full, v.commit), reactionGroups: [] }));
      return {
        __typename: 'PullRequest',
        id: r.node_id,
        number: r.number,
        title: r.title,
        body: r.body ?? '',
        url: r.html_url,
        state: r.merged ? 'MERGED' : r.state === 'open' ? 'OPEN' : 'CLOSED',
        closed: r.state !== 'open',
        isDraft: r.draft,
        locked: r.locked,
        maintainerCanModify: false,
        isCrossRepository: false,
        author: user(r.user.login),
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        closedAt: r.closed_at,
        mergedAt: r.merged_at,
        mergedBy: r.merged_by ? user(r.merged_by.login) : null,
        mergeable: r.mergeable === true ? 'MERGEABLE' : r.mergeable === false ? 'CONFLICTING' : 'UNKNOWN',
        mergeStateStatus: String(r.mergeable_state).toUpperCase(),
        reviewDecision: decisions.includes('CHANGES_REQUESTED') ? 'CHANGES_REQUESTED' : decisions.includes('APPROVED') ? 'APPROVED' : r.mergeable_state === 'blocked' || r.requested_reviewers.length ? 'REVIEW_REQUIRED' : null,
        additions: () => stat().additions,
        deletions: () => stat().deletions,
        changedFiles: () => stat().files,
        baseRefName: r.base.ref,
        baseRefOid: r.base.sha,
        headRefName: r.head.ref,
        headRefOid: r.head.sha,
        headRepository: () => repository(full),
        baseRepository: () => repository(full),
        headRepositoryOwner: owner(o),
        mergeCommit: r.merge_commit_sha ? () => commit(full, r.merge_commit_sha) : null,
        potentialMergeCommit: null,
        labels: (a: { first?: number }) => connection(r.labels.map((l: any) => ({ id: `LA_${l.id}`, name: l.name, description: null, color: l.color })), a),
        assignees: (a: { first?: number }) => connection([], a),
        reviewRequests: (a: { first?: number }) => connection(r.requested_reviewers.map((u: any) => ({ requestedReviewer: user(u.login) })), a),
        reviews: (a: { first?: number; last?: number; states?: string[] }) => connection(reviews.filter((v) => !a.states || a.states.includes(v.state)), a),
        latestReviews: (a: { first?: number }) => connection([...new Map(reviews.map((v) => [v.author.login, v])).values()], a),
        comments: (a: { first?: number; last?: number }) => connection([], a),
        commits: (a: { first?: number; last?: number }) => connection([{ commit: commit(full, r.head.sha) }], a),
        projectCards: () => connection([]),
        milestone: null,
        reactionGroups: [],
      };
    };
    return {
      __typename: 'Repository',
      id: `R_${full}`,
      name,
      nameWithOwner: full,
      owner: owner(o),
      url: `${origin}/${full}`,
      isPrivate: true,
      defaultBranchRef: { name: 'main' },
      viewerPermission: 'WRITE',
      pullRequest: ({ number }: { number: number }) => {
        const p = pulls().find((x) => x.rest.number === number);
        if (!p) throw new Error(`Could not resolve to a PullRequest with the number of ${number}.`);
        return pr(p);
      },
      pullRequests: (a: { states?: string[]; baseRefName?: string; headRefName?: string; labels?: string[]; first?: number; last?: number; orderBy?: { direction: string } }): unknown => {
        const labelled = pulls().filter((p) => !a.labels?.length || a.labels.every((l) => p.rest.labels.some((n: { name: string }) => n.name === l)));
        const list = labelled.map(pr).filter((x) => (!a.states || a.states.includes(x.state)) && (!a.baseRefName || x.baseRefName === a.baseRefName) && (!a.headRefName || x.headRefName === a.headRefName));
        if (a.orderBy?.direction === 'ASC') list.reverse();
        return connection(list, a);
      },
    };
  };
  const root = {
    repository: ({ owner: o, name }: { owner: string; name: string }) => {
      const full = Object.keys(state.repos).find((k) => k.toLowerCase() === `${o}/${name}`.toLowerCase());
      if (!full) throw new Error(`Could not resolve to a Repository with the name '${o}/${name}'.`);
      return repository(full);
    },
    viewer: () => user(login),
    // gh pr checks asks for the pull request by its node id
    node: ({ id }: { id: string }) => {
      for (const full of Object.keys(state.repos)) {
        const p = state.pulls(full).find((x) => x.rest.node_id === id);
        if (p) return repository(full).pullRequest({ number: p.rest.number });
      }
      throw new Error(`Could not resolve to a node with the global id of '${id}'`);
    },
  };
  if (typeof body.query !== 'string') return { errors: [{ message: 'A query attribute must be specified and must be a string.' }] };
  const r = await graphql({
    schema,
    source: body.query,
    rootValue: root,
    variableValues: (body.variables as Record<string, unknown> | null | undefined) ?? undefined,
    operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
  });
  // GitHub answers a resolver's "Could not resolve" as NOT_FOUND with the path, and data null where it failed
  return { data: r.data ?? null, ...(r.errors?.length ? { errors: r.errors.map((e) => ({ type: /Could not resolve/.test(e.message) ? 'NOT_FOUND' : undefined, message: e.message, path: e.path, locations: e.locations })) } : {}) };
}
