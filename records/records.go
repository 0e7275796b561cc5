// Package records keeps the "one standard, three actuals" (一标三实) of
// every grid: standard addresses (标准地址), and the actual houses (实有房屋),
// residents (实有人口) and units (实有单位) at them, with the households
// the grid already counts. Each standard address has a point and lies in
// exactly one grid, the lookup of that point; everything at an address
// resolves to the address's grid.
//
// The rules live here as pure code: citizen ID numbers (GB 11643-1999),
// the parts and written form of a standard address, address codes. The
// queries, imports and reads come in files of their own.
//
// It must never store, log or return a resident's name, ID number or phone
// in clear: they are sealed with package pii before they reach the
// database, and read back masked unless revealed for a stated reason. An
// IDNumber prints masked; errors about one never repeat it.
package records
