/** A hook token no other run or test uses: `name`, the time and a random part. */
export const uniqueToken = (name: string) =>
  `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
