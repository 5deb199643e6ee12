import { onMounted, ref, shallowRef } from 'vue';

export type DataStatus = 'loading' | 'error' | 'ready';

/**
 * The loading/error/data trio of a page component that reads data: `read` runs at mount and on
 * `load()`; exactly one of the three states holds at a time.
 */
export function useComponentData<T>(read: () => Promise<T>) {
  const status = ref<DataStatus>('loading');
  const data = shallowRef<T>();
  const errorDetail = ref<string | null>(null);

  async function load() {
    status.value = 'loading';
    errorDetail.value = null;
    try {
      data.value = await read();
      status.value = 'ready';
    } catch (cause) {
      errorDetail.value = (cause as Error).message;
      status.value = 'error';
    }
  }

  onMounted(load);
  return { status, data, errorDetail, load };
}
