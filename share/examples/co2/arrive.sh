#!/bin/sh
# arrive.sh FIRST LAST - stands in for the data feed: the weeks of years
# FIRST..LAST of data/co2.csv (Mauna Loa, date as YYYYMMDD) as a batch in
# incoming/, with the station as the entity and ISO dates.
set -eu
mkdir -p incoming
awk -F, -v first="$1" -v last="$2" '
	NR == 1 { print "station,date,co2"; next }
	{
		y = substr($1, 1, 4)
		if (y >= first && y <= last)
			printf "mlo,%s-%s-%s,%s\n", y, substr($1, 5, 2),
			       substr($1, 7, 2), $2
	}' data/co2.csv >"incoming/co2-$1-$2.csv"
echo "incoming/co2-$1-$2.csv: $(($(wc -l <"incoming/co2-$1-$2.csv") - 1)) weeks"
