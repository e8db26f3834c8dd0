import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { DatabaseConfig } from '../config.js';
import type { Signal } from './signal.js';

/** How long a publish may wait for Redis before it is dropped (the next poll covers it). */
const COMMAND_TIMEOUT_MS = 1_000;

/**
 * A signal through Redis pub/sub. Redis only wakes processes up: messages are in the database, and a
 * process that misses a signal (Redis restarting, a dropped connection) catches up at its next poll.
 * Each message names its sender, which ignores its own.
 */
export class RedisSignal implements Signal {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly sender = randomUUID();
  private readonly listeners: (() => void)[] = [];

  constructor(
    url: string,
    private readonly channel: string,
    onError: (error: unknown) => void = () => {},
  ) {
    const options = { lazyConnect: false, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS };
    this.publisher = new Redis(url, options);
    // The subscriber's connection queues its SUBSCRIBE until connected, and ioredis subscribes again
    // after every reconnection.
    this.subscriber = new Redis(url, { ...options, enableOfflineQueue: true, commandTimeout: undefined });
    // ioredis reconnects by itself and reports each failed attempt: an outage is told once, not per retry.
    let down = false;
    const report = (error: unknown) => {
      if (!down) onError(error);
      down = true;
    };
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', report);
      connection.on('ready', () => {
        down = false;
      });
    }
    this.subscriber.on('message', (_channel: string, sender: string) => {
      if (sender === this.sender) return;
      for (const listener of this.listeners) listener();
    });
    this.subscriber.subscribe(channel).catch(report);
  }

  publish(): void {
    this.publisher.publish(this.channel, this.sender).catch(() => {});
  }

  onSignal(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}

/**
 * The channel of the processes sharing one database: named after the database (without credentials),
 * so that deployments sharing a Redis do not wake each other.
 */
export function channelOf(database: DatabaseConfig): string {
  const where =
    database.kind === 'sqlite'
      ? path.resolve(database.file)
      : (({ protocol, host, pathname }) => `${protocol}//${host}${pathname}`)(new URL(database.url));
  return `parley:events:${createHash('sha256').update(where).digest('hex').slice(0, 16)}`;
}
