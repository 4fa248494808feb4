-- Migration: 0002_todos
CREATE TABLE todos (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL
);
CREATE INDEX todos_user ON todos (user_id);
INSERT INTO users (id, email) VALUES (1, 'first@example.com');
