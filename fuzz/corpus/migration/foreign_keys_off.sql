COMMIT;
PRAGMA foreign_keys=OFF;
BEGIN;
CREATE TABLE `__new_p` (`id` integer PRIMARY KEY, `name` text NOT NULL);
INSERT INTO `__new_p`(`id`, `name`) SELECT `id`, `name` FROM `p`;
DROP TABLE `p`;
ALTER TABLE `__new_p` RENAME TO `p`;
COMMIT;
PRAGMA foreign_keys=ON;
BEGIN;
-- @rollback
-- PRAGMA foreign_keys = off;
-- BEGIN TRANSACTION;
-- DROP TABLE p;
-- END;
-- PRAGMA foreign_keys = on;
