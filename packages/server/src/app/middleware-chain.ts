import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Several middlewares mounted as one Express layer: each runs after the one before calls `next()`, an error (thrown,
 * passed to `next`, or a rejected promise) skips the rest and goes to the app's error handlers, as Express does
 * between layers. Why hand-written: Express 5 matches the mount path and rewrites `req.url` for every layer of
 * `app.use(path, a, b, c, ...)`; on /graphql, the busiest route, that router work per layer was a visible share of
 * each request's CPU (bench:read's profile). Like Express's router, one `next` per request walks the list.
 */
export function chain(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const proceed: NextFunction = (error?: unknown) => {
      if (error === 'router') return next('router');
      if (error !== undefined && error !== null && error !== 'route') return next(error);
      const handler = handlers[index++];
      if (!handler) return next();
      try {
        const returned: unknown = handler(req, res, proceed);
        if (returned instanceof Promise) returned.then(null, (rejection: unknown) => proceed(rejection || new Error('Rejected promise')));
      } catch (thrown) {
        proceed(thrown);
      }
    };
    proceed();
  };
}
