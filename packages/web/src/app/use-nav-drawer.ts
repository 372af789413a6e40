import { nextTick, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import { useRoute } from 'vue-router';

/** Below this width the navigation is a drawer behind the menu button (styles.css and AppLayout.vue agree). */
export const NARROW_QUERY = '(max-width: 860px)';

/**
 * The navigation drawer of narrow screens: the menu button opens it and moves focus to its first link;
 * Escape, the scrim or the button close it and give focus back to the button; following a link closes it
 * and focuses the page's content. It also closes when the window becomes wide (the sidebar is back).
 */
export function useNavDrawer(drawer: Ref<HTMLElement | null>, menuButton: Ref<HTMLElement | null>, content: Ref<HTMLElement | null>) {
  const open = ref(false);
  const route = useRoute();

  async function show() {
    open.value = true;
    await nextTick();
    drawer.value?.querySelector<HTMLElement>('a[href]')?.focus();
  }

  async function hide(focus: 'button' | 'content' | 'none' = 'button') {
    if (!open.value) return;
    open.value = false;
    // The page behind is inert while the drawer is open: focus it once it is not.
    await nextTick();
    if (focus === 'button') menuButton.value?.focus();
    else if (focus === 'content') content.value?.focus({ preventScroll: true });
  }

  const toggle = () => void (open.value ? hide('button') : show());

  function onKeydown(event: KeyboardEvent) {
    if (event.key === 'Escape' && open.value) {
      event.preventDefault();
      void hide('button');
    }
  }

  watch(
    () => route.fullPath,
    () => void hide('content'),
  );

  let wide: MediaQueryList | undefined;
  const onWide = () => {
    if (!wide?.matches) void hide('none');
  };
  onMounted(() => {
    document.addEventListener('keydown', onKeydown);
    wide = typeof window.matchMedia === 'function' ? window.matchMedia(NARROW_QUERY) : undefined;
    wide?.addEventListener?.('change', onWide);
  });
  onBeforeUnmount(() => {
    document.removeEventListener('keydown', onKeydown);
    wide?.removeEventListener?.('change', onWide);
  });

  return { open, toggle, hide };
}
