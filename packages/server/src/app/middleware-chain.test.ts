import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { chain } from './middleware-chain.js';

const req = {} as Request;
const res = {} as Response;

/** Runs the chain and answers what it passed on to Express (undefined: next() without error). */
function run(handler: RequestHandler): Promise<{ passedOn: boolean; error: unknown }> {
  return new Promise((resolve) => {
    const next: NextFunction = (error?: unknown) => resolve({ passedOn: true, error });
    void handler(req, res, next);
  });
}

describe('chain', () => {
  it('runs the middlewares in order, then hands over to the next layer', async () => {
    const seen: string[] = [];
    const step =
      (name: string): RequestHandler =>
      (_req, _res, next) => {
        seen.push(name);
        next();
      };
    const asyncStep: RequestHandler = async (_req, _res, next) => {
      await Promise.resolve();
      seen.push('async');
      next();
    };
    expect(await run(chain(step('a'), asyncStep, step('b')))).toEqual({ passedOn: true, error: undefined });
    expect(seen).toEqual(['a', 'async', 'b']);
  });

  it('stops at a middleware that answers', async () => {
    const seen: string[] = [];
    let answered = false;
    const handler = chain(
      (_req, _res, next) => {
        seen.push('first');
        next();
      },
      () => {
        answered = true;
      },
      () => seen.push('never'),
    );
    let passedOn = false;
    handler(req, res, () => void (passedOn = true));
    expect({ answered, passedOn, seen }).toEqual({ answered: true, passedOn: false, seen: ['first'] });
  });

  it('sends an error passed to next, thrown, or rejected to the error handlers, skipping the rest', async () => {
    const boom = new Error('boom');
    const never: RequestHandler = () => {
      throw new Error('must not run');
    };
    expect(await run(chain((_req, _res, next) => next(boom), never))).toEqual({ passedOn: true, error: boom });
    expect(
      await run(
        chain(() => {
          throw boom;
        }, never),
      ),
    ).toEqual({ passedOn: true, error: boom });
    expect(await run(chain(async () => Promise.reject(boom), never))).toEqual({ passedOn: true, error: boom });
  });
});
