/** An entity as a read with `resolveData: 'none'` returns it: without its input and output. */
export type WithoutPayloads<T> = Omit<T, 'input' | 'output'> & {
  input: undefined;
  output: undefined;
};
