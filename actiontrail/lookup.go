package actiontrail

import (
	"context"
	"fmt"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/actiontrail"

	"github.com/respond-sec/respond/cloud"
)

// Event is one ActionTrail event as the API returns it.
type Event = map[string]any

// Retention is how far back ActionTrail keeps events.
const Retention = 90 * 24 * time.Hour

const timeLayout = "2006-01-02T15:04:05Z"

// Coverage says how much of a region's window was read.
type Coverage struct {
	Region   string    `json:"region"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Pages    int       `json:"pages"`
	Events   int       `json:"events"`
	Complete bool      `json:"complete"`
	Error    string    `json:"error,omitempty"`
}

// Filter is one LookupAttribute, such as EventAccessKeyId=LTAI….
type Filter struct {
	Key   string
	Value string
}

// Lookup reads every event matching f in region between start and end,
// oldest first, and hands each to fn. It stops at the first error, from the
// cloud or from fn, and reports what it had read by then.
func Lookup(ctx context.Context, c *cloud.Clients, region string, f Filter,
	start, end time.Time, fn func(Event) error) (Coverage, error) {
	if earliest := end.Add(-Retention); start.Before(earliest) {
		start = earliest
	}
	cov := Coverage{Region: region, Start: start, End: end}
	token := ""
	for {
		req := actiontrail.CreateLookupEventsRequest()
		req.RegionId = region
		req.StartTime = start.UTC().Format(timeLayout)
		req.EndTime = end.UTC().Format(timeLayout)
		req.MaxResults = "50"
		req.Direction = "FORWARD"
		req.NextToken = token
		req.LookupAttribute = &[]actiontrail.LookupEventsLookupAttribute{
			{Key: f.Key, Value: f.Value}}
		var resp *actiontrail.LookupEventsResponse
		err := c.Trail(ctx, "LookupEvents", func(cl *actiontrail.Client) (err error) {
			resp, err = cl.LookupEvents(req)
			return err
		})
		if err != nil {
			cov.Error = err.Error()
			return cov, fmt.Errorf("look up events in %s: %w", region, err)
		}
		cov.Pages++
		c.Log.Debug().Str("region", region).Int("page", cov.Pages).
			Int("events", len(resp.Events)).Msg("actiontrail page")
		for _, e := range resp.Events {
			cov.Events++
			if err := fn(e); err != nil {
				return cov, err
			}
		}
		if resp.NextToken == "" {
			cov.Complete = true
			return cov, nil
		}
		token = resp.NextToken
	}
}

// Regions lists the regions ActionTrail serves.
func Regions(ctx context.Context, c *cloud.Clients) ([]string, error) {
	var resp *actiontrail.DescribeRegionsResponse
	err := c.Trail(ctx, "DescribeRegions", func(cl *actiontrail.Client) (err error) {
		resp, err = cl.DescribeRegions(actiontrail.CreateDescribeRegionsRequest())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list actiontrail regions: %w", err)
	}
	ids := make([]string, 0, len(resp.Regions.Region))
	for _, r := range resp.Regions.Region {
		ids = append(ids, r.RegionId)
	}
	return ids, nil
}
