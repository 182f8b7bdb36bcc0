-- Audit rows written before personal data was redacted at the source carry the buyer's
-- customer_info (initiate request copies) and a bank refund's mobile (refund request copies).
-- They are redacted here once, as every new row is: the one exception to "never updated",
-- made so that erasePersonalData can remove a buyer's data for good. The trigger is put back.
DROP TRIGGER IF EXISTS `audit_log_no_update`;
--> statement-breakpoint
UPDATE `audit_log` SET `detail` = json_set(`detail`, '$.request.customer_info', '[PERSONAL DATA]')
WHERE `kind` = 'upstream' AND json_valid(`detail`) AND json_type(`detail`, '$.request.customer_info') NOT IN ('null')
  AND json_extract(`detail`, '$.request.customer_info') IS NOT '[PERSONAL DATA]';
--> statement-breakpoint
UPDATE `audit_log` SET `detail` = json_set(`detail`, '$.request.mobile', '[PERSONAL DATA]')
WHERE `kind` = 'upstream' AND json_valid(`detail`) AND json_type(`detail`, '$.request.mobile') NOT IN ('null')
  AND json_extract(`detail`, '$.request.mobile') IS NOT '[PERSONAL DATA]';
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
