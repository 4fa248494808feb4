-- Migration: 0001_users
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE
);

-- @rollback
-- DROP TABLE users;
