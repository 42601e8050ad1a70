/** The Redis server behind a queue: its URL parsed for BullMQ, and a reachability check that fails in one line. */
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { LineageError, errorMessage } from '../errors.js';

/** How long a first contact with Redis may take before the URL is called unreachable. */
const CONNECT_TIMEOUT_MS = 3000;

/** BullMQ connection options for `redis://[user:password@]host[:port][/db]`. */
export function redisConnection(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LineageError(`invalid queue URL '${url}'`, 'use redis://host:port (e.g. redis://127.0.0.1:6379)');
  }
  if (parsed.protocol !== 'redis:' || !parsed.hostname) {
    throw new LineageError(`invalid queue URL '${url}'`, 'use redis://host:port (e.g. redis://127.0.0.1:6379)');
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new LineageError(`invalid Redis database '${db}' in ${url}`, 'use redis://host:port/<number>');
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    // BullMQ's blocking connections must wait for Redis rather than fail a command.
    maxRetriesPerRequest: null,
  };
}

/** Connect once and PING, so that a wrong URL or a stopped server is one clear error instead of endless reconnects. */
export async function checkRedis(url: string): Promise<void> {
  const redis = new Redis({ ...(redisConnection(url) as object), lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {}); // reported below, once
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    throw new LineageError(`cannot reach Redis at ${url}: ${errorMessage(e)}`, 'start redis-server there, or pass the right --queue redis://host:port');
  } finally {
    redis.disconnect();
  }
}
