import { Random } from '../generate/random.js';

/** A chat that the load posts into, with the users allowed to post there. */
export interface TargetChat {
  chat: string;
  members: readonly string[];
}

export const PAIR_CHATS = 100;

/**
 * Creates, through the API, 2 × `chats` users and `chats` chats of two members each: chat k holds
 * users 2k-1 and 2k (by creation order). One request at a time, so that on a fresh database the ids
 * are exactly 1.. in that order, as the pgbench script assumes.
 */
export async function createPairChats(url: string, chats = PAIR_CHATS): Promise<TargetChat[]> {
  const users: string[] = [];
  for (let index = 1; index <= 2 * chats; index++) {
    users.push(await created(url, '/users/add', { username: `bench_user_${index}` }));
  }
  const targets: TargetChat[] = [];
  for (let index = 0; index < chats; index++) {
    const members = [users[2 * index] as string, users[2 * index + 1] as string];
    targets.push({
      chat: await created(url, '/chats/add', { name: `bench_chat_${index + 1}`, users: members }),
      members,
    });
  }
  return targets;
}

/** POSTs `body` as JSON and returns the id of what it created; anything but a 201 throws. */
export async function created(url: string, path: string, body: unknown): Promise<string> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { id?: string };
  if (response.status !== 201 || answer.id === undefined) {
    throw new Error(`${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  }
  return answer.id;
}

const WORDS = 'the a to and meeting lunch later today code review ship it thanks see you soon ok great deploy'.split(
  ' ',
);

/**
 * `count` /messages/add bodies in random order: a random chat of `targets` each time, posted by one of
 * its members, with a short text of a few words (as chat messages mostly are).
 */
export function messageBodies(targets: readonly TargetChat[], count = 5000, seed = 1): string[] {
  const random = new Random(seed);
  const bodies: string[] = [];
  for (let index = 0; index < count; index++) {
    const target = random.pick(targets);
    const words = Array.from({ length: 3 + random.below(12) }, () => random.pick(WORDS));
    bodies.push(JSON.stringify({ chat: target.chat, author: random.pick(target.members), text: words.join(' ') }));
  }
  return bodies;
}
