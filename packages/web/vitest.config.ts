import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  test: {
    name: 'web',
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    // Mounting the whole app on happy-dom takes seconds on a busy 2-core CI machine.
    testTimeout: 20_000,
  },
});
