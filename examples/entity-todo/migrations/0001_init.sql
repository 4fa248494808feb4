-- Migration: 0001_init
-- Created: 2026-11-22T06:13:37Z
-- Purpose: init

-- create table todos
CREATE TABLE "todos" (
  "id" INTEGER PRIMARY KEY NOT NULL,
  "title" TEXT NOT NULL CHECK (length("title") > 0),
  "done" BOOLEAN NOT NULL DEFAULT FALSE,
  "created_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- index todos_done_idx on todos
CREATE INDEX "todos_done_idx" ON "todos" ("done");

-- @rollback
-- -- undo: drop table todos
-- DROP TABLE "todos";
