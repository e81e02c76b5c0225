import { describe, expect, it } from 'vitest';
import { stripReasoning, toVisibleAnswer } from './strip-reasoning.js';

describe('what the user sees of an answer', () => {
  it('drops a closed reasoning block and keeps the answer', () => {
    expect(stripReasoning('<think>the user wants a number</think>\n\nIt is 42.')).toBe('It is 42.');
    expect(stripReasoning('<thinking>a</thinking>One<thought>b</thought> two')).toBe('One two');
  });

  it('hides a block that is still being streamed, and a tag cut by the chunk boundary', () => {
    expect(stripReasoning('<think>still thinking about')).toBe('');
    expect(stripReasoning('Answer first <thi')).toBe('Answer first');
    expect(stripReasoning('Answer </think')).toBe('Answer');
  });

  it('drops what precedes a closing tag without its opening one, as servers that open the block in the prompt send it', () => {
    expect(stripReasoning('reasoning text</think>\nHello')).toBe('Hello');
    expect(stripReasoning('</think>Hello')).toBe('Hello');
  });

  it('leaves text that only talks about tags in the middle alone', () => {
    expect(stripReasoning('Use <b> for bold and <th> for table headers')).toBe('Use <b> for bold and <th> for table headers');
  });

  it('answers with the reasoning itself when that is all the model wrote, never with nothing', () => {
    expect(toVisibleAnswer('<think>The answer is 4.</think>')).toBe('The answer is 4.');
    expect(toVisibleAnswer('<think></think>')).toBe('');
  });
});
