import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../src/cache/queue.js';

function drain<K>(q: WorkQueue<K>): K[] {
  const out: K[] = [];
  for (let k = q.take(); k !== undefined; k = q.take()) {
    out.push(k);
    q.finish(k);
  }
  return out;
}

describe('WorkQueue', () => {
  it('runs visible before prefetch before batch, FIFO within a priority', () => {
    const q = new WorkQueue<string>(1);
    q.enqueue('b1', 'batch');
    q.enqueue('p1', 'prefetch');
    q.enqueue('v1', 'visible');
    q.enqueue('b2', 'batch');
    q.enqueue('v2', 'visible');
    q.enqueue('p2', 'prefetch');
    expect(drain(q)).toEqual(['v1', 'v2', 'p1', 'p2', 'b1', 'b2']);
  });

  it('never runs more than the concurrency at once', () => {
    const q = new WorkQueue<number>(2);
    for (let i = 0; i < 5; i++) q.enqueue(i, 'batch');
    expect(q.take()).toBe(0);
    expect(q.take()).toBe(1);
    expect(q.take()).toBeUndefined();
    expect(q.counts()).toEqual({ queued: 3, running: 2 });
    q.finish(0);
    expect(q.take()).toBe(2);
    q.concurrency = 3;
    expect(q.take()).toBe(3);
    expect(q.take()).toBeUndefined();
  });

  it('raises a waiting key to a higher priority but never lowers it', () => {
    const q = new WorkQueue<string>(1);
    q.enqueue('a', 'batch');
    q.enqueue('b', 'batch');
    q.enqueue('b', 'visible');
    q.enqueue('c', 'visible');
    q.enqueue('c', 'batch');
    expect(q.priorityOf('c')).toBe('visible');
    expect(drain(q)).toEqual(['b', 'c', 'a']);
  });

  it('a duplicate of a running key is refused, not queued twice', () => {
    const q = new WorkQueue<string>(2);
    q.enqueue('a', 'visible');
    expect(q.take()).toBe('a');
    expect(q.enqueue('a', 'visible')).toBe(false);
    expect(q.counts()).toEqual({ queued: 0, running: 1 });
  });

  it('cancel removes waiting work only', () => {
    const q = new WorkQueue<string>(1);
    q.enqueue('run', 'visible');
    q.enqueue('wait', 'visible');
    expect(q.take()).toBe('run');
    expect(q.cancel('run')).toBe(false);
    expect(q.cancel('wait')).toBe(true);
    expect(q.isRunning('run')).toBe(true);
    q.finish('run');
    expect(q.idle).toBe(true);
  });

  it('cancelWhere drops scrolled-away work and keeps the rest in order', () => {
    const q = new WorkQueue<number>(1);
    for (let i = 0; i < 6; i++) q.enqueue(i, i % 2 === 0 ? 'visible' : 'batch');
    const removed = q.cancelWhere((k, p) => p === 'visible' && k !== 4);
    expect(removed.sort()).toEqual([0, 2]);
    expect(drain(q)).toEqual([4, 1, 3, 5]);
  });
});
