import { ServerInfoDocument } from '@roster/schema/generated';
import { computed } from 'vue';
import { useQuery } from './graphql';

/**
 * How the server is configured (`serverInfo`): asked once and then answered from the cache.
 * Until it answers (or when it fails), `devMailboxEnabled` is false and `importMaxBytes` is null.
 */
export function useServerInfo() {
  const { result, loading, error } = useQuery(ServerInfoDocument, {}, { fetchPolicy: 'cache-first', context: { skipAuthRedirect: true } });
  return {
    loading,
    error,
    devMailboxEnabled: computed(() => result.value?.serverInfo.devMailboxEnabled ?? false),
    importMaxBytes: computed(() => result.value?.serverInfo.importMaxBytes ?? null),
  };
}

/** "5 MB", "850 KB", "12 bytes": sizes as people read them (1 MB = 1024 × 1024 bytes, as the server counts). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${trim(kb)} KB`;
  return `${trim(kb / 1024)} MB`;
}

function trim(n: number): string {
  return (n >= 10 ? Math.round(n) : Math.round(n * 10) / 10).toLocaleString('en-US');
}
