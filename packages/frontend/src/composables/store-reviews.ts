import { ref, watch, type Ref } from 'vue';
import type { ReviewList, ReviewRequest } from '@oko/shared';
import { messageOf } from '../api/client.js';
import { listReviews, postReview } from '../api/store.js';

// The reviews of one plugin, a page at a time, newest first, and the dashboard's own review. A post
// replaces the dashboard's earlier review of the same plugin (the store keeps one per reviewer), so
// the list is read again from its first page after one.

export const REVIEWS_PER_PAGE = 10;

export function useStoreReviews(name: Ref<string>) {
  const list = ref<ReviewList | null>(null);
  const error = ref<string | null>(null);
  const page = ref(1);
  let latest = 0;

  async function load(target = page.value): Promise<void> {
    const ticket = ++latest;
    try {
      const answer = await listReviews(name.value, target, REVIEWS_PER_PAGE);
      if (ticket !== latest) return;
      list.value = answer;
      page.value = target;
      error.value = null;
    } catch (cause) {
      if (ticket === latest) error.value = messageOf(cause);
    }
  }

  /** Posts the review; throws with the backend's message when refused (the dialog shows it). */
  async function post(review: ReviewRequest): Promise<void> {
    await postReview(name.value, review);
    await load(1);
  }

  watch(
    name,
    () => {
      list.value = null;
      void load(1);
    },
    { immediate: true },
  );

  return { list, error, page, load, post };
}
