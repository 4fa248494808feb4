-- Migration: 0002_add_tags
-- Created: 2026-11-22T07:00:00Z
-- Purpose: tags on todos

CREATE TABLE "tags" (
  "id" INTEGER PRIMARY KEY,
  "name" TEXT NOT NULL DEFAULT 'it''s; fine'
);
CREATE INDEX "tags_name" ON "tags" ("name");
/* a block; comment */
INSERT INTO "tags" ("name") VALUES ('a;b');

-- @rollback
-- DROP INDEX "tags_name";
-- DROP TABLE "tags";
