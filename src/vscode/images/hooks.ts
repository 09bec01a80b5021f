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
import { formatBytes } from '../format';

export interface ImageHooks {
  checkImage(image: { repository: string; tag: string }): Promise<RegistryCheck>;
  recentTags(repository: string): Promise<TagSuggestion[]>;
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
