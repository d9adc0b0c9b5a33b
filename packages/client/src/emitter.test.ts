import { describe, expect, it, vi } from 'vitest';
import { TypedEmitter } from './emitter.js';

describe('TypedEmitter', () => {
  it('calls handlers with the payload until they unsubscribe', () => {
    const em = new TypedEmitter<{ tick: number }>(() => {});
    const handler = vi.fn();
    const off = em.on('tick', handler);
    em.emit('tick', 1);
    off();
    off();
    em.emit('tick', 2);
    expect(handler.mock.calls).toEqual([[1]]);
    expect(em.count('tick')).toBe(0);
  });

  it('reports a rejected async handler to onHandlerError', async () => {
    const onError = vi.fn();
    const em = new TypedEmitter<{ tick: number }>(onError);
    em.on('tick', async () => {
      throw new Error('late');
    });
    em.emit('tick', 1);
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith(new Error('late'), 'tick'));
  });
});
