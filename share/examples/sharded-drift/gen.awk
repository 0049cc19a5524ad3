# gen.awk: ROWS rows of a table with two numeric and one categorical
# column; with shift=1 the first numeric column moves up by half a
# standard deviation and the categories change their mix.
BEGIN {
	srand(seed)
	print "amount,latency,channel"
	for (i = 0; i < rows; i++) {
		# a normal deviate from two uniforms (Box-Muller)
		u = rand(); v = rand()
		if (u < 1e-12)
			u = 1e-12
		z = sqrt(-2 * log(u)) * cos(6.283185307179586 * v)
		amount = 100 + 15 * (z + (shift ? 0.5 : 0))
		latency = -log(1 - rand()) * 20
		r = rand()
		channel = r < (shift ? 0.3 : 0.5) ? "web" : r < 0.8 ? "app" : "store"
		printf "%.2f,%.3f,%s\n", amount, latency, channel
	}
}
