import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Deeper bodies are refused: no request of this API nests more than a few levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Refuses request bodies nested deeper than `maxDepth` with 400, before `ValidationPipe` hands them
 * to class-transformer, whose recursion overflows the stack (a 500) a few thousand levels down.
 * Runs on the parsed body, so it covers both adapters' parsers; the walk itself is iterative.
 */
@Injectable()
export class JsonDepthPipe implements PipeTransform {
  constructor(private readonly maxDepth = MAX_JSON_DEPTH) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && depthExceeds(value, this.maxDepth)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'bad_request',
        message: `The request body is nested deeper than ${this.maxDepth} levels`,
      });
    }
    return value;
  }
}

/** Whether `value` has objects or arrays nested more than `max` levels deep. */
export function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
