import { describe, expect, it } from 'vitest';
import { DeadTracker } from '../../src/metrics/dead.js';

const m = (...bits: number[]): Uint8Array => Uint8Array.from(bits);

describe('DeadTracker', () => {
  it('takes the first record as the state at init, without counting deaths', () => {
    const t = new DeadTracker([3]);
    expect(t.update(0, 0, m(1, 0, 0))).toBe(0);
    const [s] = t.summary();
    expect(s).toMatchObject({ deadAtInit: 1, deadNow: 1, everDead: 1, died: 0, revivals: 0, permanentlyDead: 1 });
    expect(t.diedAt(0, 0)).toBe(0);
    expect(t.events).toEqual([]);
  });

  it('counts a unit that dies and comes back in revivedCount, cumulatively', () => {
    const t = new DeadTracker([2]);
    t.update(0, 0, m(0, 0));
    expect(t.update(10, 0, m(1, 0))).toBe(0);
    expect(t.diedAt(0, 0)).toBe(10);
    expect(t.update(20, 0, m(0, 0))).toBe(1);
    expect(t.update(30, 0, m(1, 0))).toBe(1);
    expect(t.update(40, 0, m(0, 0))).toBe(2);
    expect(t.revivalsOfUnit(0, 0)).toBe(2);
    expect(t.events.map((e) => `${e.step}:${e.kind}`)).toEqual(['10:died', '20:revived', '30:died', '40:revived']);
    expect(t.summary()[0]).toMatchObject({ died: 1, revivals: 2, unitsRevived: 1, deadNow: 0, permanentlyDead: 0 });
  });

  it('reports a unit that died and never came back as permanently dead', () => {
    const t = new DeadTracker([2]);
    t.update(0, 0, m(0, 0));
    t.update(10, 0, m(0, 1));
    t.update(20, 0, m(0, 1));
    expect(t.summary()[0]).toMatchObject({ deadNow: 1, died: 1, permanentlyDead: 1, revivals: 0 });
    expect(t.isDead(0, 1)).toBe(true);
  });

  it('keeps layers apart', () => {
    const t = new DeadTracker([1, 1]);
    t.update(0, 0, m(1));
    t.update(0, 1, m(0));
    t.update(5, 0, m(0));
    t.update(5, 1, m(1));
    expect(t.revivedCount(0)).toBe(1);
    expect(t.revivedCount(1)).toBe(0);
    expect(t.summary().map((s) => s.deadNow)).toEqual([0, 1]);
  });
});
