# split.awk: the rows of a CSV table round-robin into n shard files,
# shards/part-0.csv .. part-(n-1).csv, each with the header line.
NR == 1 {
	for (k = 0; k < n; k++)
		print > ("shards/part-" k ".csv")
	next
}
{
	print > ("shards/part-" (NR % n) ".csv")
}
