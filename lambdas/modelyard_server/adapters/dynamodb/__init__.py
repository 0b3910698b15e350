"""The AWS backend's registry table: one DynamoDB table (pynamodb), behind the storage ports."""
