import { describe, expect, it } from 'vitest';
import { matchingTopics, TopicWatcher } from './topic-watcher.js';

describe('matchingTopics', () => {
  it('keeps the topics a pattern matches, nothing else', () => {
    const existing = ['cdc.public.a', 'cdc.public.b', 'cdc.audit.c', 'named', '__consumer_offsets'];
    expect([...matchingTopics([/^cdc\.public\./, /^named$/], existing)]).toEqual([
      'cdc.public.a',
      'cdc.public.b',
      'named',
    ]);
  });

  it('matches every topic with a global pattern, whose lastIndex would skip some', () => {
    const existing = ['cdc.a', 'cdc.b', 'cdc.c'];
    expect([...matchingTopics([/cdc\./g], existing)]).toEqual(existing);
  });
});

describe('TopicWatcher', () => {
  it('reports matching topics created after the baseline until they are accepted', async () => {
    let topics = ['cdc.a', 'other'];
    const watcher = new TopicWatcher({ listTopics: () => Promise.resolve(topics) }, [/^cdc\./]);
    await watcher.baseline();
    expect(await watcher.poll()).toEqual([]);
    topics = ['cdc.a', 'other', 'cdc.c', 'cdc.b', 'other2'];
    expect(await watcher.poll()).toEqual(['cdc.b', 'cdc.c']);
    expect(await watcher.poll()).toEqual(['cdc.b', 'cdc.c']);
    watcher.accept(['cdc.b']);
    expect(await watcher.poll()).toEqual(['cdc.c']);
  });
});
