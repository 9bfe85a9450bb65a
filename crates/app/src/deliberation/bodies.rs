//! Bodies (四方联席会议, 议事会, 业主大会, 专委会), their members, seats by party and terms.
