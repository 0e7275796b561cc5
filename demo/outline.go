package demo

import (
	"github.com/paulmach/orb"

	"gridmap/geo"
)

// yanchengOutline is a hand-typed approximation of Yancheng's boundary
// (counter-clockwise from the mouth of the Guan River in the north): a long
// north-south city with the Yellow Sea to the east. It only has to look
// plausible; real outlines come in through Options.Counties.
var yanchengOutline = orb.Ring{
	{119.80, 34.46}, // 灌河口
	{119.70, 34.40}, {119.62, 34.33}, {119.55, 34.25}, {119.50, 34.15},
	{119.45, 34.05}, {119.47, 33.95}, {119.45, 33.83}, {119.48, 33.72},
	{119.53, 33.62}, {119.55, 33.50}, {119.60, 33.38}, {119.66, 33.28},
	{119.75, 33.22}, {119.85, 33.18}, {119.93, 33.10}, {120.00, 33.00},
	{119.98, 32.88}, {120.05, 32.78}, {120.18, 32.70}, {120.30, 32.63},
	{120.45, 32.60}, {120.62, 32.57}, {120.80, 32.60}, {120.92, 32.66},
	{120.95, 32.78}, {120.93, 32.90}, {120.90, 33.05}, {120.86, 33.20},
	{120.80, 33.32}, {120.72, 33.45}, {120.65, 33.58}, {120.58, 33.70},
	{120.52, 33.82}, // 射阳河口
	{120.42, 33.93}, {120.36, 34.05}, {120.33, 34.18},
	{120.28, 34.29}, // 废黄河口
	{120.10, 34.36}, {119.95, 34.42},
	{119.80, 34.46},
}

// countySeats are approximate positions of the county-level seats; the
// synthetic counties are their Voronoi cells inside yanchengOutline.
var countySeats = map[geo.Code]orb.Point{
	"320902000000": {120.20, 33.39}, // 亭湖区
	"320903000000": {120.15, 33.34}, // 盐都区
	"320904000000": {120.47, 33.20}, // 大丰区
	"320921000000": {119.58, 34.20}, // 响水县
	"320922000000": {119.82, 33.99}, // 滨海县
	"320923000000": {119.80, 33.76}, // 阜宁县
	"320924000000": {120.26, 33.77}, // 射阳县
	"320925000000": {119.80, 33.47}, // 建湖县
	"320981000000": {120.31, 32.85}, // 东台市
}

// The economic development zone (320971) has no outline of its own in any
// source: it is carved out of 亭湖区 as a disc east of the city centre.
const (
	zoneCode   geo.Code = "320971000000"
	zoneHost   geo.Code = "320902000000"
	zoneRadius          = 0.05 // degrees, ≈5 km
)

var zoneCentre = orb.Point{120.25, 33.37}

// seatJitter is how far (degrees) the seed moves each seat, so that
// different seeds give visibly different counties.
const seatJitter = 0.015
