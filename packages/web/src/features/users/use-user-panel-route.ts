import { computed } from 'vue';
import { useRoute, useRouter } from 'vue-router';

/** The user detail panel lives in the address (`?user=<id>`): opened from a row's email, shareable, kept on reload. */
export function useUserPanelRoute() {
  const route = useRoute();
  const router = useRouter();
  const panelUserId = computed(() => {
    const value = route.query.user;
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' && first ? first : null;
  });
  const panelLocation = (user: { id: string }) => ({ query: { ...route.query, user: user.id } });
  function closePanel() {
    const { user: _closed, ...query } = route.query;
    void router.replace({ query });
  }
  return { panelUserId, panelLocation, closePanel };
}
