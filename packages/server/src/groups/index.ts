/** The groups feature's public entry: groups of users (many-to-many). */
import type DataLoader from 'dataloader';
import type { NamedCollection } from '../core/lists/named-collection.js';
import type { GroupEntity } from './group.entity.js';

declare module '../core/context.js' {
  interface Services {
    groups: NamedCollection<GroupEntity>;
  }
  interface Loaders {
    groupUserCount: DataLoader<string, number>;
  }
}
export { memberIdsForLiveEvent } from './live-member-ids.js';
