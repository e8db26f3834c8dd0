import { Type } from 'typebox';
import { Created, TEXT_PATTERN } from './common.js';

export const UsersAdd = {
  summary: 'Add a user',
  body: Type.Object({
    username: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: TEXT_PATTERN,
      description: '1-64 characters, unique (case-sensitive), stored exactly as given',
      examples: ['user_1'],
    }),
  }),
  response: { 201: Created },
};
