-- Every webhook attempt is kept as it happened: the database refuses to change or remove one, as
-- it does for the audit log. (Deliveries change as they are retried; their attempts never do.)
CREATE TRIGGER `webhook_attempts_no_update` BEFORE UPDATE ON `webhook_attempts`
BEGIN
	SELECT RAISE(ABORT, 'webhook_attempts is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_attempts_no_delete` BEFORE DELETE ON `webhook_attempts`
BEGIN
	SELECT RAISE(ABORT, 'webhook_attempts is append-only');
END;
