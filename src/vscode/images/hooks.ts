/**
 * The image feature's answers to the deployment extension points (Services.hooks): whether a tag is in
 * its ECR repository (Set Image Tag refuses one that is not, and pins the registry's digest), and the
 * repository's recent tags for the tag quick pick. Repositories GitOps Pilot cannot map to ECR are not
 * checked. No `vscode` import.
 */
import type { Project } from '../../core/config/model';
import type { RegistryCheck } from '../../core/gitops/operations';
import { timeAgo } from '../../core/util/time';
import type { TagSuggestion } from '../deploy/prompts';
import { checkImageInEcr, ecrTargetOf } from '../../core/images/registryCheck';
import type { ImageSupport } from './support';

export interface ImageHooks {
  checkImage(image: { repository: string; tag: string }): Promise<RegistryCheck>;
  recentTags(repository: string): Promise<TagSuggestion[]>;
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function imageHooks(support: ImageSupport, projects: () => readonly Project[], enabled: () => boolean): ImageHooks {
  return {
    async checkImage(image) {
      if (!enabled()) return { unreachable: 'the workspace is not trusted' };
      return checkImageInEcr(image, projects(), (target) => support.api(target), support.log);
    },
    async recentTags(repository) {
      if (!enabled()) return [];
      const target = ecrTargetOf(repository, projects());
      if (!target) return [];
      const images = await (await support.api(target)).images(target.name, 30);
      return images.flatMap((i) =>
        i.tags.map((tag) => ({
          tag,
          description: ['in ECR', i.pushedAt ? `pushed ${timeAgo(i.pushedAt)}` : '', formatBytes(i.sizeBytes)].filter(Boolean).join(' · '),
          detail: i.digest,
        })),
      );
    },
  };
}
