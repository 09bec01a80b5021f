/** One model of a promotion pull request (GitHub) or merge request (GitLab), and what a host can do with it. */
import type { Provider } from './host';

export type PullRequestState = 'open' | 'merged' | 'closed';
export type ReviewState = 'approved' | 'changes-requested' | 'review-required' | 'none';

export interface PullRequest {
  readonly provider: Provider;
  /** the PR number (GitHub) or the MR iid (GitLab) */
  readonly number: number;
  readonly url: string;
  readonly title: string;
  readonly state: PullRequestState;
  readonly draft: boolean;
  readonly head: string;
  readonly base: string;
  readonly headSha: string;
  /** undefined while the host still computes it */
  readonly mergeable?: boolean;
  /** why it cannot be merged now, in the host's words made plain (conflict, checks, review) */
  readonly blocked?: string;
  readonly checks: { readonly total: number; readonly passed: number; readonly failed: number; readonly pending: number };
  readonly review: ReviewState;
  readonly mergeCommit?: string;
  /** who merged or closed it, when the host says */
  readonly closedBy?: string;
}

export interface PullRequestDraft {
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly draft?: boolean;
  readonly labels?: readonly string[];
  readonly reviewers?: readonly string[];
}

/** What GitOps Pilot needs from GitHub or GitLab; each adapter maps it to its client. */
export interface PullRequestHost {
  readonly provider: Provider;
  /** reads the repository: the token is valid and may see it (before anything is pushed) */
  check(): Promise<void>;
  /** the newest pull request from `head` into `base` (open ones first), with its checks and reviews */
  find(head: string, base: string): Promise<PullRequest | undefined>;
  get(number: number): Promise<PullRequest>;
  create(d: PullRequestDraft): Promise<PullRequest>;
  /** new title and body, labels added, reviewers asked (again) */
  update(number: number, d: PullRequestDraft): Promise<PullRequest>;
  /** merges exactly `sha` (refused by the host if the branch moved meanwhile); returns the merge commit */
  merge(number: number, sha: string): Promise<{ sha?: string }>;
}
